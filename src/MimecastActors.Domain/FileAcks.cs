using System.Collections.Immutable;

namespace MimecastActors.Domain;

/// <summary>
/// Acknowledgements of the chunks of one batch file, which may arrive out of order. The chunks tile the file
/// (each covers the lines after the previous one up to its own last event), so what may be checkpointed is the
/// contiguous prefix: <see cref="Through"/> moves only when every line up to it is acknowledged.
/// </summary>
public sealed record FileAcks(long Through, ImmutableSortedDictionary<long, long> Ahead)
{
    /// <summary>Nothing acknowledged yet beyond the lines a resumed read skipped.</summary>
    public static FileAcks From(long linesAlreadyDone) => new(linesAlreadyDone, ImmutableSortedDictionary<long, long>.Empty);

    /// <summary>Records the chunk covering lines <paramref name="first"/>..<paramref name="last"/> (from 1).</summary>
    public FileAcks Ack(long first, long last)
    {
        var ahead = Ahead.SetItem(first, last);
        var through = Through;
        while (ahead.TryGetValue(through + 1, out var end))
        {
            ahead = ahead.Remove(through + 1);
            through = end;
        }

        return new FileAcks(through, ahead);
    }
}
