namespace MimecastActors.Mimecast;

/// <summary>
/// The result of one listing attempt. <see cref="Calls"/> says how many listing requests it sent (a refused
/// token costs a second one), so the tenant's budget accounting sees every call.
/// </summary>
public abstract record ListingOutcome(RateLimitStatus RateLimit, int Calls);

public sealed record PageListed(BatchPage Page, RateLimitStatus RateLimit, int Calls) : ListingOutcome(RateLimit, Calls);

/// <summary>429: wait this long before the next call (already capped and jittered).</summary>
public sealed record RateLimited(TimeSpan Wait, RateLimitStatus RateLimit, int Calls) : ListingOutcome(RateLimit, Calls);

public sealed record ListingFailed(MimecastFailure Failure, RateLimitStatus RateLimit, int Calls) : ListingOutcome(RateLimit, Calls);
