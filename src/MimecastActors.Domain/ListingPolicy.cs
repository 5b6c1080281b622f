namespace MimecastActors.Domain;

/// <summary>What a listing of one stream answered, in the puller's terms.</summary>
public abstract record ListingAnswer
{
    /// <summary>A page, naming <paramref name="Files"/> batch files (none: an empty page).</summary>
    public sealed record Page(int Files) : ListingAnswer;

    /// <summary>429: no listing before <paramref name="Wait"/> has passed.</summary>
    public sealed record TooManyRequests(TimeSpan Wait) : ListingAnswer;

    /// <param name="NeedsOperator">Bad credentials, a forbidden application, a request refused as malformed: trying again cannot help.</param>
    public sealed record Failed(string Reason, bool NeedsOperator) : ListingAnswer;
}

/// <summary>What the puller does with a listing's answer, once the decision's events are journaled.</summary>
public abstract record ListingStep
{
    /// <summary>Start delivering the page, or go on with it after a re-list (fresh URLs).</summary>
    public sealed record Deliver : ListingStep;

    /// <summary>The answer no longer applies: the cursor did not move, so the page is listed again when it is due.</summary>
    public sealed record Drop(string Why) : ListingStep;

    /// <summary>The page in progress must be listed again, after the tenant's listing backoff.</summary>
    public sealed record ListAgain(string Reason) : ListingStep;

    /// <summary>The API asked to wait (the wait is journaled).</summary>
    public sealed record WaitOut(TimeSpan Wait) : ListingStep;

    /// <summary>Only an operator can fix this: the tenant pauses, its cursors untouched.</summary>
    public sealed record Pause(string Reason) : ListingStep;

    /// <summary>A failure worth trying again: the next listing waits for the tenant's backoff.</summary>
    public sealed record Backoff(string Reason) : ListingStep;
}

/// <summary>The events to journal for a listing's answer (calls counted, a 429's wait), then what to do.</summary>
public sealed record ListingDecision(IReadOnlyList<ITenantEvent> Record, ListingStep Then);

/// <summary>What a listing's answer means for a tenant, pure so that each rule is tested without a listing.</summary>
public static class ListingPolicy
{
    /// <param name="listedWith">The cursor the page was listed with: a replay meanwhile moved it.</param>
    /// <param name="listedFrom">The start date the page was listed from (a replay's, with no cursor): a replay meanwhile changed it.</param>
    /// <param name="sentAt">When the listing's call was journaled as spent.</param>
    /// <param name="calls">Requests the listing sent: a refused token is retried once, and both count.</param>
    /// <param name="delivering">The stream is delivering a page (known in memory only).</param>
    public static ListingDecision Decide(
        TenantState state, string stream, string? listedWith, DateOnly? listedFrom, DateTimeOffset sentAt, int calls, bool delivering, ListingAnswer answer, DateTimeOffset now)
    {
        var record = new List<ITenantEvent>();
        if (!state.Budget.Policy.GuardCovers(sentAt, now))
        {
            // A slow token, connection or journal write: the API may have counted the call much later than it was
            // journaled, so it must stay in our window that much longer.
            record.Add(new TenantEvents.CallsAnswered(1, sentAt, now));
        }

        if (calls > 1)
        {
            record.Add(new TenantEvents.CallsSpent(calls - 1, now));
        }

        state.Streams.TryGetValue(stream, out var current);
        ListingStep then = answer switch
        {
            ListingAnswer.Page when state.IsPaused =>
                new ListingStep.Drop("listed before the pause: the resume lists the page again"),

            // The API sometimes answers empty (not caught up) for a page it listed with files a moment ago. Taking that
            // as the end of the page would forget which files are done, and send them again.
            ListingAnswer.Page { Files: 0 } when delivering || current is { Page.IsEmpty: false } =>
                new ListingStep.ListAgain($"listing {stream} again: the API answered an empty page for a page in progress"),

            // A replay sets the cursor back to none: a stream that had none already is told by its start date.
            ListingAnswer.Page when current is null || current.Cursor != listedWith || current.StartsAt != listedFrom =>
                new ListingStep.Drop("the stream was replayed while its page was listed"),

            ListingAnswer.Page => new ListingStep.Deliver(),
            ListingAnswer.TooManyRequests limited => new ListingStep.WaitOut(limited.Wait),
            ListingAnswer.Failed { NeedsOperator: true } failed => new ListingStep.Pause(failed.Reason),
            ListingAnswer.Failed failed => new ListingStep.Backoff($"listing {stream}: {failed.Reason}"),
            _ => throw new ArgumentOutOfRangeException(nameof(answer), answer, "not a listing answer"),
        };

        if (answer is ListingAnswer.TooManyRequests tooMany)
        {
            record.Add(new TenantEvents.RateLimited(now + tooMany.Wait, now));
        }

        return new ListingDecision(record, then);
    }
}
