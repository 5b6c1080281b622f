using MimecastActors.Domain;
using MimecastActors.Sekoia;

namespace MimecastActors.Actors;

/// <summary>Where a chunk's events came from, handed back with its acknowledgement so the puller can checkpoint.</summary>
/// <param name="FirstLine">Line number (from 1) of the chunk's first event in its batch file.</param>
/// <param name="LastLine">Line number of its last event: once acknowledged, every line up to it is delivered or set aside.</param>
/// <param name="EndsRead">
/// The last chunk of its read: the read's result, which says whether the file is complete, is on its way to the puller,
/// which waits for it before journaling this chunk's progress (the acknowledgement may come first).
/// </param>
/// <param name="Generation">
/// The page delivery the chunk was read for. A chunk still in the forwarder when its stream's delivery was dropped (a
/// pause, a replay) is acknowledged after a new delivery read the file again, in chunks cut elsewhere: it must not
/// count for the new one.
/// </param>
public sealed record ChunkOrigin(string Stream, string File, long FirstLine, long LastLine, DateTimeOffset? NewestEventAt, bool EndsRead = false, int Generation = 0);

/// <summary>The messages of the <see cref="Forwarder"/>.</summary>
public static class ForwarderProtocol
{
    /// <summary>
    /// A chunk to deliver. The forwarder answers <see cref="Accepted"/> when it takes the chunk into its bounded
    /// window, which is the producer's signal to read on: a slow intake slows the reading, memory stays flat.
    /// </summary>
    public sealed record Offer(IntakeChunk Chunk, ChunkOrigin Origin);

    public sealed record Accepted(ChunkOrigin Origin);

    /// <summary>To the forwarder's parent: every event of the chunk has an event id from the intake, or was set aside (<see cref="EventSetAside"/>).</summary>
    public sealed record Delivered(ChunkOrigin Origin, int Events, int Attempts);

    /// <summary>
    /// To the parent: the chunks one acknowledgement completed (a request that carried several), in order. One message,
    /// so that the checkpoints they make go to the journal in one write rather than one after the other.
    /// </summary>
    public sealed record DeliveredTogether(IReadOnlyList<Delivered> Chunks);

    /// <summary>To the parent: the intake refused the tenant (wrong key or URL); the chunk is not delivered and must not be checkpointed.</summary>
    public sealed record IntakeRefused(ChunkOrigin Origin, string Reason);

    /// <summary>To the parent: one event the intake refuses even alone (413); it is set aside, not sent, and the rest of its chunk goes on.</summary>
    public sealed record EventSetAside(ChunkOrigin Origin, int IndexInChunk, byte[] Event, string Reason);

    /// <summary>To the parent: a chunk is waiting to be sent again (the intake is failing); for status and metrics.</summary>
    public sealed record Retrying(ChunkOrigin Origin, int Attempts, TimeSpan Delay, string Reason);
}

/// <summary>How a forwarder paces itself.</summary>
/// <param name="MaxInFlight">
/// Intake requests taken but not yet acknowledged, each of at most one full chunk (several small chunks may share one):
/// the bound on a tenant's memory for outgoing events, and on what a crash may send again.
/// </param>
public sealed record ForwarderSettings(int MaxInFlight, TimeSpan MinBackoff, TimeSpan MaxBackoff)
{
    public static readonly ForwarderSettings Default = new(2, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

    /// <summary>Exponential backoff with full jitter between half and all of it, or what the intake asked if longer.</summary>
    public TimeSpan Backoff(int attempt, TimeSpan? retryAfter, Random random)
    {
        var jittered = ExponentialBackoff.Delay(MinBackoff, MaxBackoff, attempt) * (0.5 + (0.5 * random.NextDouble()));
        return retryAfter is { } asked && asked > jittered ? asked : jittered;
    }
}
