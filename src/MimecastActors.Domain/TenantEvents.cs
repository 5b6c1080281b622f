namespace MimecastActors.Domain;

/// <summary>Marker of everything a tenant persists; the serializer is bound to it.</summary>
public interface ITenantEvent
{
    DateTimeOffset At { get; }
}

/// <summary>The events of a tenant's journal. Their names are stable manifests: rename none.</summary>
public static class TenantEvents
{
    /// <summary>The configuration changed (or was first given). Streams that remain keep their cursors.</summary>
    public sealed record Configured(TenantSettings Settings, DateTimeOffset At) : ITenantEvent;

    /// <summary>Listing calls sent (a refused token costs two), so the budget survives restarts and moves.</summary>
    public sealed record CallsSpent(int Calls, DateTimeOffset At) : ITenantEvent;

    /// <summary>
    /// Listing calls journaled at <see cref="SentAt"/> were answered later than the budget's guard covers: they count
    /// from their answer (<see cref="At"/>), since the API may have counted them as late as that.
    /// </summary>
    public sealed record CallsAnswered(int Calls, DateTimeOffset SentAt, DateTimeOffset At) : ITenantEvent;

    /// <summary>The API answered 429: no listing call before <see cref="Until"/>, whatever the budget says.</summary>
    public sealed record RateLimited(DateTimeOffset Until, DateTimeOffset At) : ITenantEvent;

    /// <summary>The intake acknowledged the first <see cref="Lines"/> lines of a file of the stream's current page.</summary>
    public sealed record FileProgressed(string Stream, string File, long Lines, DateTimeOffset? NewestEventAt, DateTimeOffset At) : ITenantEvent;

    /// <summary>Every line of a file of the stream's current page is acknowledged or set aside.</summary>
    public sealed record FileCompleted(string Stream, string File, DateTimeOffset? NewestEventAt, DateTimeOffset At) : ITenantEvent;

    /// <summary>Every file of the page is done: the cursor moves to the page's `@nextPage`.</summary>
    /// <param name="NewestEventAt">When the page's last file completes with it (it is then not journaled on its own), the newest event of that file's last chunk.</param>
    public sealed record PageCompleted(string Stream, string NextPage, bool CaughtUp, DateTimeOffset At, DateTimeOffset? NewestEventAt = null) : ITenantEvent;

    /// <summary>Only an operator can fix this (bad credentials, forbidden application, refused intake key).</summary>
    public sealed record Paused(string Reason, DateTimeOffset At) : ITenantEvent;

    public sealed record Resumed(DateTimeOffset At) : ITenantEvent;

    /// <summary>An operator asked to send a stream again from a date (inside Mimecast's 7 days): its cursor is dropped.</summary>
    public sealed record StreamReplayed(string Stream, DateOnly From, DateTimeOffset At) : ITenantEvent;
}
