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

    /// <summary>
    /// Records the chunk covering lines <paramref name="first"/>..<paramref name="last"/> (from 1). Chunks of two reads
    /// of the file may overlap (a read cut short, the file read again from its last acknowledged line): whatever they
    /// cover together counts, or a prefix ending inside a chunk would never meet the next chunk's first line.
    /// </summary>
    public FileAcks Ack(long first, long last)
    {
        if (last <= Through)
        {
            return this;
        }

        var ahead = Ahead.SetItem(first, Math.Max(last, Ahead.GetValueOrDefault(first)));
        var through = Through;
        while (!ahead.IsEmpty && ahead.Keys.First() <= through + 1)
        {
            var (start, end) = ahead.First();
            ahead = ahead.Remove(start);
            through = Math.Max(through, end);
        }

        return new FileAcks(through, ahead);
    }
}
