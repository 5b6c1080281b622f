using System.Collections.Immutable;

namespace MimecastActors.Actors;

/// <summary>One chunk offered to the forwarder, as a part of the request that carries it.</summary>
/// <param name="Events">The chunk's events when offered.</param>
/// <param name="Done">How many at its front the intake has acknowledged (or that were set aside) so far.</param>
public readonly record struct RequestPart(ChunkOrigin Origin, int Events, int Done)
{
    /// <summary>Events of the chunk not yet acknowledged.</summary>
    public int Left => Events - Done;
}

/// <summary>
/// The chunks one intake request carries, in order, and how far each is acknowledged. The intake acknowledges a prefix
/// of a request's events; these pure functions tell which chunks that completes, so each is reported to the puller
/// as it was offered, and where an event of the request came from.
/// </summary>
public sealed record RequestParts(ImmutableArray<RequestPart> Parts)
{
    public static RequestParts Of(IEnumerable<(ChunkOrigin Origin, int Events)> chunks) =>
        new([.. chunks.Select(c => new RequestPart(c.Origin, c.Events, 0))]);

    public bool IsEmpty => Parts.IsEmpty;

    /// <summary>The origin of the first chunk not yet complete, for logs and status.</summary>
    public ChunkOrigin First => Parts[0].Origin;

    /// <summary>Events not yet acknowledged, which is what the request's body holds.</summary>
    public int Remaining => Parts.Sum(p => p.Left);

    /// <summary>The intake acknowledged the first <paramref name="count"/> remaining events: the chunks this completes, and what is left.</summary>
    public (ImmutableArray<RequestPart> Completed, RequestParts Left) Acknowledge(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Remaining);
        var completed = ImmutableArray.CreateBuilder<RequestPart>();
        var index = 0;
        while (index < Parts.Length && count >= Parts[index].Left)
        {
            count -= Parts[index].Left;
            completed.Add(Parts[index] with { Done = Parts[index].Events });
            index++;
        }

        var rest = Parts[index..];
        if (count > 0)
        {
            rest = rest.SetItem(0, rest[0] with { Done = rest[0].Done + count });
        }

        return (completed.ToImmutable(), new RequestParts(rest));
    }

    /// <summary>The chunk the <paramref name="index"/>-th remaining event belongs to, and its index in that chunk as offered.</summary>
    public (ChunkOrigin Origin, int IndexInChunk) Locate(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        foreach (var part in Parts)
        {
            if (index < part.Left)
            {
                return (part.Origin, part.Done + index);
            }

            index -= part.Left;
        }

        throw new ArgumentOutOfRangeException(nameof(index), "The request holds fewer events.");
    }

    /// <summary>For logs: the first chunk's file and lines, and how many more chunks ride along.</summary>
    public override string ToString() =>
        $"{First.File} (lines {First.FirstLine}-{First.LastLine}){(Parts.Length > 1 ? $" and {Parts.Length - 1} more chunk(s)" : "")}";
}
