namespace MimecastActors.Domain;

/// <summary>Every message for a tenant carries its id, which is also the sharding entity id.</summary>
public interface ITenantMessage
{
    string TenantId { get; }
}

/// <summary>The messages a tenant's puller actor answers, grouped here so that they stay free of actors.</summary>
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
        IReadOnlyList<RejectedLine>? RecentlyRejected = null)
    {
        /// <summary>Every stream is caught up, with no page in delivery.</summary>
        public bool AllStreamsCaughtUp() => Streams.Count > 0 && Streams.All(s => s.CaughtUp && !s.Delivering);

        /// <summary>How far behind the tenant is: the age of the newest event forwarded on its most lagging stream; unknown until every stream forwarded one.</summary>
        public TimeSpan? Lag(DateTimeOffset now) =>
            Streams.Count > 0 && Streams.All(s => s.NewestEventAt is not null)
                ? TimeSpan.FromTicks(Math.Max(0, (now - Streams.Min(s => s.NewestEventAt!.Value)).Ticks))
                : null;
    }
}
