using System.Text;

using CsCheck;

using MimecastActors.Simulator.Intake;

namespace MimecastActors.Tests.Simulator;

/// <summary>The intake's set of identities keeps generated ones as bits; a plain set of strings is the oracle.</summary>
public sealed class IdentitySetTests
{
    /// <summary>Generated identities, and the odd ones that must fall back to strings: leading zeros, no line, huge lines, no file.</summary>
    private static readonly Gen<string> Identity = Gen.OneOf(
        Gen.Int[0, 2].Select(Gen.Int[0, 3], Gen.Int[0, 1_500], (client, file, line) => $"c{client}:receipt:{file}:{line}"),
        Gen.OneOf("e0", "e1", "c0:receipt:1:007", "c0:receipt:1:", ":5", "c0:receipt:1:99999999", "c0:receipt:1:-1", "é:日本:3", "c0:receipt:1:2:x"));

    [Fact]
    public void Tells_new_identities_from_repeated_ones_and_gives_every_identity_back_unchanged()
    {
        Identity.List[0, 400].Sample(identities =>
        {
            var set = new IdentitySet();
            var oracle = new HashSet<string>(StringComparer.Ordinal);
            foreach (var identity in identities)
            {
                if (set.Add(Encoding.UTF8.GetBytes(identity)) != oracle.Add(identity))
                {
                    return false;
                }
            }

            return set.Count == oracle.Count && set.All().ToHashSet().SetEquals(oracle) && set.All().Count() == oracle.Count;
        }, iter: 2_000);
    }
}
