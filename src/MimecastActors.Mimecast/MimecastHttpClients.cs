using System.Net;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using Polly;

namespace MimecastActors.Mimecast;

/// <summary>The named HTTP clients of the Mimecast API, registered through IHttpClientFactory.</summary>
public static class MimecastHttpClients
{
    /// <summary>`/oauth/token`: transient failures retried a few times (tokens are not the listing budget).</summary>
    public const string Token = "mimecast-token";

    /// <summary>The SIEM listing: never retried here, so every call is visible to the budget's owner.</summary>
    public const string Api = "mimecast-api";

    /// <summary>Pre-signed batch files: no Authorization header, no automatic decompression (the file is the gzip).</summary>
    public const string Blobs = "mimecast-blobs";

    public static IServiceCollection AddMimecastApi(this IServiceCollection services, Action<MimecastClientOptions>? configure = null)
    {
        services.AddOptions<MimecastClientOptions>().Configure(o => configure?.Invoke(o));
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();

        // No IHttpClientFactory request logging on any of them: pre-signed URLs carry their signature, and the
        // logging handlers opened a logging scope for every request even with their category below the log level.
        services.AddHttpClient(Token, (sp, c) => c.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(() => Handler(DecompressionMethods.GZip | DecompressionMethods.Deflate))
            .AddResilienceHandler(Token, (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<MimecastClientOptions>>().Value;
                pipeline.AddRetry(Retry(options.TokenRetries, options.RetryDelay, options.MaxRetryAfter, retryOn429: false));
                pipeline.AddTimeout(options.RequestTimeout);
            });

        services.AddHttpClient(Api, (sp, c) =>
            {
                var options = sp.GetRequiredService<IOptions<MimecastClientOptions>>().Value;
                c.Timeout = options.RequestTimeout;
                c.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
            })
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(() => Handler(DecompressionMethods.GZip | DecompressionMethods.Deflate));

        services.AddHttpClient(Blobs, (sp, c) => c.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(() => Handler(DecompressionMethods.None))
            .AddResilienceHandler(Blobs, (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<MimecastClientOptions>>().Value;
                pipeline.AddRetry(Retry(options.BlobRetries, options.RetryDelay, options.MaxRetryAfter, retryOn429: true));
                pipeline.AddTimeout(options.RequestTimeout); // until the headers: the body streams for as long as it takes
            });

        services.TryAddSingleton<MimecastClientFactory>();
        services.TryAddSingleton(sp => new BatchFileReader(
            sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<IOptions<MimecastClientOptions>>().Value,
            sp.GetRequiredService<ILogger<BatchFileReader>>()));
        return services;
    }

    /// <summary>
    /// Pooled connections that are renewed now and then so DNS changes (regional failover) are seen; Accept-Encoding
    /// limited to gzip and deflate, because the real API answered 500 to zstd.
    /// </summary>
    private static SocketsHttpHandler Handler(DecompressionMethods decompression) => new()
    {
        AutomaticDecompression = decompression,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(15),
    };

    private static HttpRetryStrategyOptions Retry(int attempts, TimeSpan delay, TimeSpan maxRetryAfter, bool retryOn429)
    {
        var retry = new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = Math.Max(1, attempts),
            Delay = delay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,

            // Polly's own reading of the header knows no upper bound (MaxDelay caps only the backoff it computes).
            ShouldRetryAfterHeader = false,
            DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, maxRetryAfter)),
        };
        if (!retryOn429)
        {
            // A 429 from the token endpoint goes back to the caller, who waits as told.
            retry.ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests && HttpClientResiliencePredicates.IsTransient(args.Outcome));
        }

        return retry;
    }

    /// <summary>The answer's `Retry-After`, at most <paramref name="max"/>; null (the backoff) without one.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan max) =>
        RateLimitWait.Asked(response?.Headers.RetryAfter, DateTimeOffset.UtcNow) is { } asked ? RateLimitWait.AtMost(asked, max) : null;
}

/// <summary>Makes one <see cref="MimecastApiClient"/> per tenant (each owns its token) over the shared HTTP clients.</summary>
public sealed class MimecastClientFactory(IHttpClientFactory http, IOptions<MimecastClientOptions> options, TimeProvider time, ILoggerFactory logs)
{
    public MimecastApiClient Create(MimecastCredentials credentials) =>
        new(credentials, http, options.Value, time, logs.CreateLogger<MimecastApiClient>());
}
