using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

using CsCheck;

using MimecastActors.Simulator.Intake;

namespace MimecastActors.Tests.Simulator;

/// <summary>The simulator's intake walks the request envelope by hand; <see cref="JsonDocument"/> is the oracle of what it must accept.</summary>
public sealed class IntakeBodyTests
{
    private static readonly string[] Pieces =
    [
        "a", "\"", "\\", "\n", "\t", "\u0001", "é", "日本", "😀", "{\"_simId\":\"c:receipt:1:2\",\"x\":1}", "/", "\\u00e9",
        "\"key\":\"a value of some length\",", "abcdefghijklmnopqrstuvwxyz0123456789",
    ];

    /// <summary>Escapes as the node does (quotes as <c>\"</c>, non-ASCII raw), the bulk of real bodies; the default escapes quotes as <c>\u0022</c>.</summary>
    private static readonly JsonSerializerOptions AsTheNodeEscapes = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public void Accepts_exactly_the_bodies_a_json_parser_accepts_and_finds_every_event()
    {
        var verdicts = new int[2];
        Gen.Int.Select(Gen.Int[0, 3]).Sample((seed, damage) =>
        {
            var random = new Random(seed);
            var events = Enumerable.Range(0, random.Next(4))
                .Select(_ => string.Concat(Enumerable.Range(0, random.Next(12)).Select(_ => Pieces[random.Next(Pieces.Length)])))
                .ToList();
            var body = Body(random, events);
            if (damage > 0)
            {
                var at = random.Next(body.Length);
                var other = (byte)"{}[],:\"\\ \u0001u0"[random.Next(12)];
                body = damage == 1 ? [.. body[..at], .. body[(at + 1)..]] : damage == 2 ? [.. body[..at], other, .. body[(at + 1)..]] : body[..at];
            }

            if (!Utf8.IsValid(body))
            {
                return true;
            }

            var expected = Oracle(body);
            verdicts[expected is null ? 0 : 1]++;
            var accepted = IntakeEndpoints.TryParse(body, out var key, out var identities, out var oversize, out var problem);
            return accepted == expected is not null
                && (!accepted || (key, identities.Count + oversize) == expected!.Value)
                && (accepted || problem.Length > 0);
        }, iter: 20_000);

        verdicts.Should().OnlyContain(n => n > 1_000, "both verdicts must be exercised, else the comparison proves nothing");
    }

    [Fact]
    public void Reads_the_identity_of_a_generated_event_from_its_escaped_form()
    {
        var body = Encoding.UTF8.GetBytes("""{"jsons":["{\"_simId\":\"c:receipt:1:2\",\"s\":\"\\u00e9\"}","{\"other\":1}"],"extra":[{"a":null}],"intake_key":"k"}""");
        IntakeEndpoints.TryParse(body, out var key, out var identities, out _, out _).Should().BeTrue();
        key.Should().Be("k");
        identities.Select(identity => identity.Text(body)).Should().Equal("c:receipt:1:2", null);
    }

    /// <summary>An envelope with the members in a random order, an extra member sometimes, and random whitespace.</summary>
    private static byte[] Body(Random random, List<string> events)
    {
        var members = new List<string>
        {
            "\"intake_key\"" + Space(random) + ":" + Space(random) + "\"k\\\"ey\"",
            "\"jsons\":" + Space(random) + "[" + string.Join("," + Space(random), events.Select(e => JsonSerializer.Serialize(e, random.Next(4) == 0 ? JsonSerializerOptions.Default : AsTheNodeEscapes))) + Space(random) + "]",
        };
        if (random.Next(2) == 0)
        {
            members.Insert(random.Next(3), "\"extra\":{\"a\":[1,true,null,\"s\"]}");
        }

        if (random.Next(2) == 0)
        {
            members.Reverse();
        }

        return Encoding.UTF8.GetBytes(Space(random) + "{" + string.Join("," + Space(random), members) + "}" + Space(random));
    }

    private static string Space(Random random) => random.Next(4) switch { 0 => " ", 1 => "\r\n\t", _ => "" };

    /// <summary>The intake key and the number of events when the body is a valid envelope, else null.</summary>
    private static (string Key, int Events)? Oracle(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("intake_key", out var key) || key.ValueKind != JsonValueKind.String || key.GetString()!.Length == 0
                || !root.TryGetProperty("jsons", out var jsons) || jsons.ValueKind != JsonValueKind.Array
                || jsons.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            {
                return null;
            }

            return (key.GetString()!, jsons.GetArrayLength());
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
