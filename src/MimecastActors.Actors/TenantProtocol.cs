using MimecastActors.Domain;

namespace MimecastActors.Actors;

/// <summary>Every message for a tenant carries its id, which is also the sharding entity id.</summary>
public interface ITenantMessage
{
    string TenantId { get; }
}

/// <summary>The messages a <see cref="TenantPuller"/> answers.</summary>
public static class TenantProtocol
{
    /// <summary>Wakes a tenant (a puller starts by itself once it exists; this only makes it exist).</summary>
    public sealed record Start(string TenantId) : ITenantMessage;

    /// <summary>
    /// The tenant's configuration changed or was removed (through the admin API): it stops (passivates), and the next
    /// message starts it again on its new configuration, or finds none and leaves it stopped.
    /// </summary>
    public sealed record ConfigurationChanged(string TenantId) : ITenantMessage;

    /// <summary>Asks for a tenant's status; answered with <see cref="Status"/>.</summary>
    public sealed record GetStatus(string TenantId) : ITenantMessage;

    /// <summary>
    /// Stops a tenant cleanly: the sharding hand-off and passivation message (the default PoisonPill would drop what is
    /// still in a persistent entity's mailbox). Chunks in flight are left to the next owner, which re-sends them.
    /// </summary>
    public sealed class HandOff
    {
        public static readonly HandOff Instance = new();

        private HandOff()
        {
        }
    }

    /// <summary>An operator stops a tenant: its cursors stay where they are, and the pause survives restarts. Answered with <see cref="Status"/>.</summary>
    public sealed record PauseTenant(string TenantId, string Reason) : ITenantMessage;

    /// <summary>Lifts a pause (an operator's or one caused by a failure). Answered with <see cref="Status"/>.</summary>
    public sealed record ResumeTenant(string TenantId) : ITenantMessage;

    /// <summary>Sends streams again from a date: every stream, or the one named. Answered with <see cref="Status"/>.</summary>
    public sealed record ReplayTenant(string TenantId, DateOnly From, string? Stream) : ITenantMessage;

    public sealed record StreamStatus(
        string Stream, string? Cursor, bool CaughtUp, bool Delivering, DateTimeOffset? NewestEventAt, int FilesDone, DateTimeOffset? LastListedAt = null);

    /// <summary>How many of the latest lines set aside a status carries.</summary>
    public const int RecentRejectedLines = 10;

    /// <summary>A line set aside, without its content (that stays in the rejected-lines file of the node).</summary>
    public sealed record RejectedLine(string Stream, string File, long Line, string Reason, string Detail, DateTimeOffset At);

    /// <param name="Node">The address of the node the tenant runs on.</param>
    /// <param name="RecentlyRejected">The latest lines set aside since the tenant started on its node, oldest first.</param>
    public sealed record Status(
        string TenantId, bool Configured, string? PausedBecause, int CallsLeft, DateTimeOffset? RateLimitedUntil,
        IReadOnlyList<StreamStatus> Streams, long EventsDelivered, long LinesRejected, string? LastError, string Node = "", int Budget = 0,
        IReadOnlyList<RejectedLine>? RecentlyRejected = null);
}

/// <summary>How a puller paces itself; every figure has a reason in the design.</summary>
/// <param name="SnapshotEvery">Events between snapshots; older events are deleted once a snapshot is saved.</param>
/// <param name="TruncatedFileRetries">Reads of a file that ends early, or listings of one refused for good, before what is left of it is set aside.</param>
public sealed record PullerSettings(int SnapshotEvery, int TruncatedFileRetries, TimeSpan MinBackoff, TimeSpan MaxBackoff, ForwarderSettings Forwarder)
{
    public static readonly PullerSettings Default = new(500, 3, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), ForwarderSettings.Default);

    public TimeSpan Backoff(int failures) => ExponentialBackoff.Delay(MinBackoff, MaxBackoff, failures);
}

/// <summary>What a tenant's puller needs from its node: configuration and the key to its sealed secrets, clients, where to set lines aside, the node-wide read gate.</summary>
/// <param name="ReadGate">Bounds the batch files the node reads at once: each holds a chunk being built, so this bounds the memory, whatever the number of tenants and streams.</param>
public sealed record PullerServices(
    ITenantDirectory Directory,
    SecretBox Secrets,
    MimecastActors.Mimecast.MimecastClientFactory Mimecast,
    MimecastActors.Mimecast.BatchFileReader Reader,
    MimecastActors.Sekoia.SekoiaIntakeClientFactory Intake,
    IRejectedLineStore Rejected,
    SemaphoreSlim ReadGate,
    TimeProvider Time,
    PullerSettings Settings);
