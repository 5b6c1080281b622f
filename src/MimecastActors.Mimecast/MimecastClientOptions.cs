namespace MimecastActors.Mimecast;

/// <summary>Tuning shared by every tenant's Mimecast client.</summary>
public sealed class MimecastClientOptions
{
    /// <summary>A cached token is replaced this long before it expires (Mimecast advises 1–5 minutes).</summary>
    public TimeSpan TokenRefreshAhead { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Wait after a 429 that carries neither `Retry-After` nor `X-RateLimit-Reset`.</summary>
    public TimeSpan DefaultRateLimitWait { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>No 429 wait is longer than this, whatever the headers say.</summary>
    public TimeSpan MaxRateLimitWait { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Jitter added to a 429 wait: up to this fraction of it (never subtracted: the server's figure is a floor).</summary>
    public double RateLimitJitter { get; set; } = 0.1;

    /// <summary>Timeout of one listing or token request.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a batch file's body may send nothing before its read ends as failed for now. A body streams for as
    /// long as it takes, but a connection gone half-open never ends, and the read would hold its place for ever.
    /// </summary>
    public TimeSpan BlobIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of a failed token request (transport errors, 5xx) before the failure reaches the caller.</summary>
    public int TokenRetries { get; set; } = 2;

    /// <summary>Retries of a batch file download that failed before its body started (transport errors, 5xx).</summary>
    public int BlobRetries { get; set; } = 2;

    /// <summary>
    /// The longest a retry of a token or blob request waits for a `Retry-After`: a retry holds the read's place (one
    /// of the node's few) or the tenant's listing round, so an hour asked by a proxy must not become an hour held.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First retry delay of token and blob requests (exponential, with jitter).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Events longer than this many characters are refused by the Sekoia intake, so they are rejected when read.</summary>
    public int MaxEventChars { get; set; } = 250_000;

    /// <summary>Sent with every API request: names the product (and, in a cluster, the node) in the vendor's logs.</summary>
    public string UserAgent { get; set; } = "MimecastActors/1.0";

    /// <summary>How much of a rejected line is kept for the operator.</summary>
    public int MaxRejectedContentBytes { get; set; } = 64 * 1024;
}
