using System.Net;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

using Polly;

namespace MimecastActors.Sekoia;

public static class SekoiaIntakeServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SekoiaIntakeClientFactory"/> and the named HttpClient it uses: a pooled
    /// <see cref="SocketsHttpHandler"/> behind a resilience handler (total timeout, then retries with exponential
    /// backoff, jitter and <c>Retry-After</c> on 5xx, 408, 429, network errors and timeouts, then a concurrency limit
    /// shared by every client of the factory, then a per-attempt timeout). POST is retried on purpose: a duplicate is
    /// acceptable, a lost chunk is not.
    /// </summary>
    public static IServiceCollection AddSekoiaIntake(this IServiceCollection services, Action<SekoiaIntakeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<SekoiaIntakeOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(SekoiaIntakeClientFactory)))
        {
            return services; // the HttpClient is registered once; later calls only configure
        }

        services.TryAddSingleton<SekoiaIntakeClientFactory>();
        var http = services.AddHttpClient(SekoiaIntakeClient.HttpClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // the pipeline's timeouts rule
            .RemoveAllLoggers() // a logging scope per request, for log lines below the level anyway
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                PooledConnectionLifetime = Options(provider).PooledConnectionLifetime,
                AutomaticDecompression = DecompressionMethods.None,
                AllowAutoRedirect = false, // a redirected POST would become a GET: report it instead
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan); // PooledConnectionLifetime recycles connections already
        http.AddResilienceHandler("sekoia-intake", static (pipeline, context) =>
            {
                var o = Options(context.ServiceProvider);
                pipeline.AddTimeout(o.TotalTimeout);
                if (o.MaxRetryAttempts > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = o.MaxRetryAttempts,
                        Delay = o.RetryDelay,
                        MaxDelay = o.MaxRetryDelay,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        ShouldRetryAfterHeader = true,
                    });
                }

                // Inside the retries: a request waiting out its backoff holds no place. Outside the attempt timeout:
                // waiting for a place is not a slow intake. No queue limit: the forwarders bound what waits.
                pipeline.AddConcurrencyLimiter(o.MaxConcurrentRequests, queueLimit: int.MaxValue);
                pipeline.AddTimeout(o.AttemptTimeout);
            });

        // Added after the resilience handler, so inside it: it sees every attempt.
        http.AddHttpMessageHandler(() => new AttemptCountingHandler());
        return services;
    }

    private static SekoiaIntakeOptions Options(IServiceProvider provider) =>
        provider.GetRequiredService<IOptions<SekoiaIntakeOptions>>().Value;
}
