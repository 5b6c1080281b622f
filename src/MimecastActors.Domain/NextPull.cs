namespace MimecastActors.Domain;

/// <summary>What a tenant's puller should do next about listing.</summary>
public abstract record NextPull
{
    /// <summary>List the next page of this stream now (one call of the budget, two if the token is refused).</summary>
    public sealed record Now(StreamState Stream) : NextPull;

    /// <summary>Nothing may or need be listed before <see cref="At"/>.</summary>
    public sealed record Wait(DateTimeOffset At, string Why) : NextPull;

    /// <summary>Nothing to do until something changes (configuration, resume, a page finished).</summary>
    public sealed record Idle(string Why) : NextPull;
}

/// <summary>The scheduling decision, pure so that it is tested without time passing or actors running.</summary>
public static class PullScheduler
{
    /// <summary>
    /// A stream that is behind (not caught up, or with a page in progress) is due at once; a caught-up one after
    /// the poll interval. Among due streams the one listed longest ago goes first, so a busy type that keeps
    /// pulling cannot starve the others; lag breaks ties. Nothing goes before the budget or a 429 allows.
    /// </summary>
    /// <param name="delivering">Streams whose current page is still being delivered: they list nothing meanwhile.</param>
    /// <param name="relisting">Streams that must list their current page again (a URL expired): due at once.</param>
    public static NextPull Decide(TenantState state, DateTimeOffset now, IReadOnlySet<string> delivering, IReadOnlySet<string>? relisting = null)
    {
        if (state.Settings is not { } settings)
        {
            return new NextPull.Idle("not configured");
        }

        if (state.PausedBecause is { } reason)
        {
            return new NextPull.Idle($"paused: {reason}");
        }

        var candidates = state.Streams.Values.Where(s => !delivering.Contains(s.Key)).ToList();
        if (candidates.Count == 0)
        {
            return new NextPull.Idle("every stream is delivering a page");
        }

        var next = candidates
            .Select(s => (Stream: s, DueAt: relisting?.Contains(s.Key) == true ? now : DueAt(s, settings.PollInterval, now)))
            .OrderBy(c => c.DueAt)
            .ThenBy(c => c.Stream.LastListedAt ?? DateTimeOffset.MinValue)
            .ThenByDescending(c => c.Stream.Lag(now) ?? TimeSpan.MaxValue)
            .ThenBy(c => c.Stream.Key, StringComparer.Ordinal)
            .First();

        // The latest of three moments: when the stream is due, when the budget has a call, when a 429 ends.
        var (at, why) = (next.DueAt, $"stream {next.Stream.Key} is caught up; next poll");
        // Room for two calls: a listing whose token is refused is retried once, and both count.
        if (state.Budget.NextCallAt(now, calls: 2) is var budgetAt && budgetAt > at)
        {
            (at, why) = (budgetAt, $"{state.Budget.Policy.Calls} calls per {state.Budget.Policy.Window} are spent");
        }

        if (state.RateLimitedUntil is { } until && until > at)
        {
            (at, why) = (until, "the API answered 429");
        }

        return at > now ? new NextPull.Wait(at, why) : new NextPull.Now(next.Stream);
    }

    /// <summary>
    /// The streams to list together now, in <see cref="Decide"/>'s order: as many due streams as the budget has room
    /// for, each with its possible retry, so that one journal event reserves the round's calls before any goes (a
    /// tenant's ten streams due together were ten journal writes). An empty round says why in <c>Then</c>.
    /// </summary>
    /// <param name="busy">Streams delivering a page or being listed: they list nothing meanwhile.</param>
    /// <param name="relisting">Streams that must list their current page again: due at once.</param>
    public static (IReadOnlyList<StreamState> Streams, NextPull Then) DecideRound(
        TenantState state, DateTimeOffset now, IReadOnlySet<string> busy, IReadOnlySet<string>? relisting = null)
    {
        var round = new List<StreamState>();
        var taken = new HashSet<string>(busy, StringComparer.Ordinal);
        var reserved = state;
        while (true)
        {
            var next = Decide(reserved, now, taken, relisting);
            if (next is not NextPull.Now due)
            {
                return (round, next);
            }

            round.Add(due.Stream);
            taken.Add(due.Stream.Key);
            // Each listing of the round may cost two calls (a refused token is retried once): keep room for both.
            reserved = reserved.Apply(new TenantEvents.CallsSpent(2, now));
        }
    }

    private static DateTimeOffset DueAt(StreamState stream, TimeSpan pollInterval, DateTimeOffset now) =>
        !stream.CaughtUp || !stream.Page.IsEmpty || stream.LastListedAt is null
            ? now
            : stream.LastListedAt.Value + pollInterval;
}
