namespace MimecastActors.Sekoia;

/// <summary>
/// How a chunk ended. Every outcome says how many events at the front of the chunk the intake acknowledged
/// (halves of a split chunk are sent in order, first half first), so the caller resends exactly
/// <c>chunk.Skip(AcknowledgedCount)</c> and nothing is lost or sent twice. None of them carries the intake key.
/// </summary>
public abstract record IntakeOutcome
{
    private protected IntakeOutcome(int acknowledgedCount, int attempts)
    {
        AcknowledgedCount = acknowledgedCount;
        Attempts = attempts;
    }

    /// <summary>Events at the front of the chunk that the intake acknowledged with an event id.</summary>
    public int AcknowledgedCount { get; init; }

    /// <summary>HTTP attempts spent on the chunk, retries and split halves included.</summary>
    public int Attempts { get; init; }

    /// <summary>Every event of the chunk has an event id.</summary>
    public sealed record Acknowledged(int AcknowledgedCount, int Attempts) : IntakeOutcome(AcknowledgedCount, Attempts);

    /// <summary>
    /// The intake stayed unavailable (5xx, 408, 429, timeouts, refused connections) for the whole retry budget, or
    /// answered in a way that does not prove delivery: the rest of the chunk is handed back to send again later.
    /// </summary>
    /// <param name="Reason">What happened, naming the intake URL.</param>
    /// <param name="StatusCode">The last HTTP status, or null when no answer came.</param>
    /// <param name="RetryAfter">The intake's last <c>Retry-After</c>, if it sent one.</param>
    public sealed record RetryLater(string Reason, int? StatusCode, TimeSpan? RetryAfter, int AcknowledgedCount, int Attempts)
        : IntakeOutcome(AcknowledgedCount, Attempts);

    /// <summary>
    /// The intake refused the request for a reason retrying cannot fix (400, 401, 403, 404, a redirect, …): a wrong
    /// intake key or URL. The tenant should stop with this message and keep its cursor until an operator fixes it.
    /// </summary>
    public sealed record Fatal(string Message, int StatusCode, int AcknowledgedCount, int Attempts)
        : IntakeOutcome(AcknowledgedCount, Attempts);

    /// <summary>
    /// The event at index <see cref="IntakeOutcome.AcknowledgedCount"/> got 413 even alone: set it aside
    /// (<see cref="IntakeChunk.GetEvent"/>) and send <c>chunk.Skip(AcknowledgedCount + 1)</c>.
    /// </summary>
    public sealed record TooLarge(string Message, int AcknowledgedCount, int Attempts) : IntakeOutcome(AcknowledgedCount, Attempts);
}
