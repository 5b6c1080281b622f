using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

using MimecastActors.Simulator.Mimecast;

namespace MimecastActors.Simulator.Intake;

/// <summary>
/// The distinct event identities an intake key received. A generated identity ends with its line in its batch file
/// (<see cref="SimulatedEvent.Identity"/>), so it is kept as one bit of its file's lines: a string and a set entry per
/// event cost the simulator a sixth of its CPU in the end-to-end bench, with the collections of millions of live
/// strings on the cores the node shares. Any other identity is kept as it is.
/// </summary>
internal sealed class IdentitySet
{
    /// <summary>Lines beyond this go to the plain set, so that an odd identity cannot make a huge bit array.</summary>
    private const int MaxLine = 1 << 20;

    private readonly Dictionary<string, Lines> _byFile = new(StringComparer.Ordinal);
    private readonly HashSet<string> _others = new(StringComparer.Ordinal);

    // Events of one file arrive together: the last file's lines are found without a lookup.
    private byte[] _lastFile = [];
    private Lines? _lastLines;

    public long Count { get; private set; }

    /// <summary>Adds one identity (UTF-8); false when it was already there.</summary>
    public bool Add(ReadOnlySpan<byte> identity)
    {
        var colon = identity.LastIndexOf((byte)':');
        var added = colon > 0 && TryLine(identity[(colon + 1)..], out var line)
            ? LinesOf(identity[..colon]).Add(line)
            : _others.Add(Encoding.UTF8.GetString(identity));
        if (added)
        {
            Count++;
        }

        return added;
    }

    /// <summary>Every identity, as the strings they came as.</summary>
    public IEnumerable<string> All()
    {
        foreach (var (file, lines) in _byFile)
        {
            foreach (var line in lines.All())
            {
                yield return $"{file}:{line.ToString(CultureInfo.InvariantCulture)}";
            }
        }

        foreach (var other in _others)
        {
            yield return other;
        }
    }

    private Lines LinesOf(ReadOnlySpan<byte> file)
    {
        if (_lastLines is null || !file.SequenceEqual(_lastFile))
        {
            ref var lines = ref CollectionsMarshal.GetValueRefOrAddDefault(_byFile, Encoding.UTF8.GetString(file), out _);
            _lastLines = lines ??= new Lines();
            _lastFile = file.ToArray();
        }

        return _lastLines;
    }

    /// <summary>A line number written as <see cref="int.ToString()"/> writes it, so that the identity is given back unchanged.</summary>
    private static bool TryLine(ReadOnlySpan<byte> digits, out int line) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out line)
        && (digits[0] != '0' || digits.Length == 1)
        && line < MaxLine;

    /// <summary>One bit per line of a file.</summary>
    private sealed class Lines
    {
        private ulong[] _bits = new ulong[8];

        public bool Add(int line)
        {
            var word = line >> 6;
            if (word >= _bits.Length)
            {
                Array.Resize(ref _bits, Math.Max(word + 1, _bits.Length * 2));
            }

            var mask = 1UL << (line & 63);
            if ((_bits[word] & mask) != 0)
            {
                return false;
            }

            _bits[word] |= mask;
            return true;
        }

        public IEnumerable<int> All()
        {
            for (var line = 0; line < _bits.Length * 64; line++)
            {
                if ((_bits[line >> 6] & (1UL << (line & 63))) != 0)
                {
                    yield return line;
                }
            }
        }
    }
}
