using System.IO.Compression;

namespace MimecastActors.Sekoia;

/// <summary>
/// How chunks are cut, encoded and retried; shared by every tenant of a node. Tenants' intake URLs and keys are
/// not options: they are given to <see cref="SekoiaIntakeClientFactory.Create"/>, so no key sits in configuration dumps.
/// </summary>
public sealed class SekoiaIntakeOptions
{
    /// <summary>Upper bound on the uncompressed body of one request.</summary>
    public int MaxBodyBytes { get; set; } = IntakeLimits.DefaultMaxBodyBytes;

    public int MaxEventsPerChunk { get; set; } = IntakeLimits.DefaultMaxEventsPerChunk;

    /// <summary>Gzip request bodies (<c>Content-Encoding: gzip</c>): most of the bandwidth saved for little CPU.</summary>
    public bool Compress { get; set; } = true;

    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Fastest;

    /// <summary>Retries after the first attempt before the chunk is handed back; 0 disables retries.</summary>
    public int MaxRetryAttempts { get; set; } = 6;

    /// <summary>First backoff delay; it doubles on each retry, with jitter, unless the intake sends <c>Retry-After</c>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Requests of every client of this factory (every tenant of a node) in flight at once; the others wait their turn.
    /// Held for one attempt, not through the backoff after it, so an intake that fails one tenant does not stop the rest.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 32;

    /// <summary>One HTTP attempt, upload of a 9 MiB body included.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>All attempts of one request together, delays included.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Connections are recycled so that DNS changes of the intake are followed.</summary>
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Why these options cannot work, or null when they can.</summary>
    public string? Problem() => this switch
    {
        { MaxBodyBytes: < 64 } => $"{nameof(MaxBodyBytes)} must be at least 64.",
        { MaxEventsPerChunk: < 1 } => $"{nameof(MaxEventsPerChunk)} must be at least 1.",
        { MaxRetryAttempts: < 0 } => $"{nameof(MaxRetryAttempts)} cannot be negative.",
        { MaxConcurrentRequests: < 1 } => $"{nameof(MaxConcurrentRequests)} must be at least 1.",
        _ when RetryDelay < TimeSpan.Zero || MaxRetryDelay < RetryDelay => $"{nameof(RetryDelay)} must be between zero and {nameof(MaxRetryDelay)}.",
        _ when AttemptTimeout < TimeSpan.FromMilliseconds(10) || TotalTimeout < AttemptTimeout =>
            $"{nameof(AttemptTimeout)} must be at least 10 ms and at most {nameof(TotalTimeout)}.",
        _ when PooledConnectionLifetime <= TimeSpan.Zero => $"{nameof(PooledConnectionLifetime)} must be positive.",
        _ => null,
    };
}
