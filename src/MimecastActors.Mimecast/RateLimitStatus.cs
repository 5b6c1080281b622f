using System.Globalization;
using System.Net.Http.Headers;

namespace MimecastActors.Mimecast;

/// <summary>The `X-RateLimit-*` headers of one response (each may be absent).</summary>
/// <param name="Reset">Time until the quota frees up: Mimecast sends milliseconds, a duration, not an epoch.</param>
public sealed record RateLimitStatus(int? Limit, int? Remaining, TimeSpan? Reset)
{
    public static readonly RateLimitStatus Unknown = new(null, null, null);

    /// <summary>A reset further away than this is taken as this: any wait is capped far below it, and a larger figure overflowed.</summary>
    private static readonly long LongestResetMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    public static RateLimitStatus From(HttpResponseHeaders headers) =>
        new(Int(headers, "X-RateLimit-Limit"), Int(headers, "X-RateLimit-Remaining"),
            Long(headers, "X-RateLimit-Reset") is { } ms && ms >= 0 ? TimeSpan.FromMilliseconds(Math.Min(ms, LongestResetMs)) : null);

    private static int? Int(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var v) && int.TryParse(v.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static long? Long(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var v) && long.TryParse(v.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : null;
}

/// <summary>How long to wait after a 429: the decision, kept pure so it is tested without HTTP.</summary>
public static class RateLimitWait
{
    /// <summary>
    /// `Retry-After` (seconds or an HTTP date) first, else `X-RateLimit-Reset`, else the default; capped; then
    /// up to <see cref="MimecastClientOptions.RateLimitJitter"/> added, so that tenants sharing an application do
    /// not all come back in the same millisecond. Never shorter than what the server asked.
    /// </summary>
    public static TimeSpan For(RetryConditionHeaderValue? retryAfter, RateLimitStatus status, DateTimeOffset now, MimecastClientOptions options, Random random)
    {
        var wait = AtMost(Asked(retryAfter, now) ?? status.Reset ?? options.DefaultRateLimitWait, options.MaxRateLimitWait);
        return wait + (wait * (options.RateLimitJitter * random.NextDouble()));
    }

    /// <summary>What a `Retry-After` asks (seconds, or an HTTP date from <paramref name="now"/>); null without one.</summary>
    public static TimeSpan? Asked(RetryConditionHeaderValue? retryAfter, DateTimeOffset now) => retryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - now,
        _ => null,
    };

    /// <summary>Between no wait (a date already past) and <paramref name="max"/>.</summary>
    public static TimeSpan AtMost(TimeSpan wait, TimeSpan max) => TimeSpan.FromTicks(Math.Clamp(wait.Ticks, 0, max.Ticks));
}
