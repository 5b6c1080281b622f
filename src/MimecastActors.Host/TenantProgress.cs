using System.Globalization;

using Akka.Actor;
using Akka.Hosting;

using MimecastActors.Actors;
using MimecastActors.Domain;

namespace MimecastActors.Host;

/// <summary>One line per tenant, for a person watching a drain: events forwarded and their rate, lag, budget, and trouble.</summary>
public static class TenantProgress
{
    /// <param name="before">Events forwarded at the previous line, for the rate.</param>
    public static string Line(TenantProtocol.Status status, DateTimeOffset now, long before, TimeSpan since, int budget)
    {
        var rate = since > TimeSpan.Zero ? (status.EventsDelivered - before) / since.TotalSeconds : 0;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{status.TenantId,-12} {status.EventsDelivered,12:N0} events forwarded ({rate,9:N0}/s)  lag {Lag(status, now),-10}  calls {budget - status.CallsLeft,3}/{budget} in window");
        if (status.LinesRejected > 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"  {status.LinesRejected:N0} lines set aside");
        }

        if (status.PausedBecause is { } reason)
        {
            return $"{text}  PAUSED: {reason}";
        }

        return status.LastError is { } error ? $"{text}  last error: {error}" : text;
    }

    /// <summary>How far behind the tenant is, in words.</summary>
    public static string Lag(TenantProtocol.Status status, DateTimeOffset now) =>
        status.AllStreamsCaughtUp() ? "caught up" : status.Lag(now) is { } lag ? Human(lag) : "starting";

    public static string Human(TimeSpan span) => span switch
    {
        { TotalSeconds: < 0 } => "0s",
        { TotalMinutes: < 1 } => $"{(int)span.TotalSeconds}s",
        { TotalHours: < 1 } => $"{(int)span.TotalMinutes}m{span.Seconds:D2}s",
        { TotalDays: < 1 } => $"{(int)span.TotalHours}h{span.Minutes:D2}m",
        _ => $"{(int)span.TotalDays}d{span.Hours:D2}h",
    };

    /// <summary>Asks every tenant for its status; a tenant that does not answer in time is left out of this round.</summary>
    public static async Task<IReadOnlyList<TenantProtocol.Status>> AskAll(IActorRef region, IEnumerable<string> tenants, TimeSpan timeout)
    {
        var asks = tenants.Select(async id =>
        {
            try
            {
                return await region.Ask<TenantProtocol.Status>(new TenantProtocol.GetStatus(id), timeout);
            }
            catch (AskTimeoutException)
            {
                return null;
            }
        });
        return [.. (await Task.WhenAll(asks)).OfType<TenantProtocol.Status>()];
    }

    /// <summary>Prints a block of lines every <paramref name="every"/> until cancelled: the configured tenants, and those added at runtime.</summary>
    public static async Task Report(ActorRegistry registry, StaticTenantDirectory tenants, TimeProvider time, TimeSpan every, TextWriter output, CancellationToken cancel)
    {
        var region = await registry.GetAsync<TenantRegion>(cancel);
        var catalog = new TenantCatalog(tenants, await registry.GetAsync<TenantRegistryProxy>(cancel), TimeSpan.FromSeconds(2));
        var before = new Dictionary<string, long>(StringComparer.Ordinal);
        var last = time.GetUtcNow();
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, time, cancel);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var now = time.GetUtcNow();
            IEnumerable<string> all;
            try
            {
                all = (await catalog.AllAsync()).Keys.Order(StringComparer.Ordinal);
            }
            catch (RegistrySilentException)
            {
                all = tenants.TenantIds; // the configured ones at least
            }

            foreach (var status in await AskAll(region, all, TimeSpan.FromSeconds(2)))
            {
                await output.WriteLineAsync(Line(status, now, before.GetValueOrDefault(status.TenantId), now - last, status.Budget));
                before[status.TenantId] = status.EventsDelivered;
            }

            last = now;
        }
    }
}
