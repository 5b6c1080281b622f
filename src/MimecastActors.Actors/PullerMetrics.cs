using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

using MimecastActors.Domain;

namespace MimecastActors.Actors;

/// <summary>
/// What a node counts, as <see cref="System.Diagnostics.Metrics"/> instruments (the host exports them in the
/// Prometheus text format through OpenTelemetry: <c>mimecast_events_forwarded_total</c>, <c>mimecast_lag_seconds</c>…). Tags: <c>tenant</c>, and <c>stream</c> (an event type, or a group of types) where it
/// applies. Gauges read the latest figures the pullers publish here; a stopped puller removes its own.
/// </summary>
public static class PullerMetrics
{
    public const string MeterName = "MimecastActors";

    private static readonly Meter Meter = new(MeterName, "1.0");

    private static readonly ConcurrentDictionary<(string Tenant, string Stream), DateTimeOffset> NewestForwarded = new();
    private static readonly ConcurrentDictionary<string, CallBudget> Budgets = new(StringComparer.Ordinal);
    private static long _chunksInFlight;
    private static long _bytesInFlight;

    public static readonly Counter<long> EventsRead = Meter.CreateCounter<long>("mimecast_events_read", "{event}", "Events read from batch files and offered to the intake.");

    public static readonly Counter<long> EventsForwarded = Meter.CreateCounter<long>("mimecast_events_forwarded", "{event}", "Events the intake acknowledged.");

    public static readonly Counter<long> LinesRejected = Meter.CreateCounter<long>("mimecast_lines_rejected", "{line}", "Lines set aside instead of forwarded (bad JSON or UTF-8, oversize, truncated tails, refused as too large).");

    public static readonly Counter<long> ListingCalls = Meter.CreateCounter<long>("mimecast_listing_calls", "{call}", "Calls to the SIEM batch listing endpoint (they count against the budget).");

    public static readonly Counter<long> RateLimited = Meter.CreateCounter<long>("mimecast_listing_rate_limited", "{call}", "Listing calls answered 429.");

    public static readonly Counter<long> IntakeRequests = Meter.CreateCounter<long>("mimecast_intake_requests", "{request}", "HTTP requests to the Sekoia intake, by last status code.");

    public static readonly Counter<long> IntakeRetries = Meter.CreateCounter<long>("mimecast_intake_retries", "{request}", "Intake requests beyond the first one of a chunk (retries and split halves).");

    public static readonly Histogram<double> ForwardDuration = Meter.CreateHistogram<double>("mimecast_forward_duration", "s", "Time from a chunk's first send to its acknowledgement.");

    public static readonly UpDownCounter<long> TenantsHosted = Meter.CreateUpDownCounter<long>("mimecast_tenants_hosted", "{tenant}", "Tenant pullers running on this node.");

    static PullerMetrics()
    {
        Meter.CreateObservableGauge("mimecast_lag", ObserveLag, "s", "Seconds between the newest forwarded event's timestamp and now.");
        Meter.CreateObservableGauge("mimecast_budget_used", ObserveBudget, "{call}", "Listing calls spent in the current budget window.");
        Meter.CreateObservableGauge(
            "mimecast_budget_calls", () => Budgets.Select(kv => new Measurement<int>(kv.Value.Policy.Calls, Tenant(kv.Key))), "{call}", "Listing calls allowed per budget window.");
        Meter.CreateObservableGauge("mimecast_chunks_in_flight", () => Interlocked.Read(ref _chunksInFlight), "{chunk}", "Chunks taken by forwarders and not yet acknowledged, on this node.");
        Meter.CreateObservableGauge("mimecast_bytes_in_flight", () => Interlocked.Read(ref _bytesInFlight), "By", "Bytes of those chunks.");
    }

    public static KeyValuePair<string, object?> Tenant(string tenant) => new("tenant", tenant);

    public static KeyValuePair<string, object?> Stream(string stream) => new("stream", stream);

    public static void Forwarded(string tenant, string stream, long events, DateTimeOffset? newest)
    {
        EventsForwarded.Add(events, Tenant(tenant), Stream(stream));
        if (newest is { } at)
        {
            NewestForwarded.AddOrUpdate((tenant, stream), at, (_, known) => at > known ? at : known);
        }
    }

    public static void Budget(string tenant, CallBudget budget) => Budgets[tenant] = budget;

    /// <summary>Every counter of a tenant starts at zero, so that dashboards and rate() see a series before the first event.</summary>
    public static void Start(string tenant, IEnumerable<string> streams)
    {
        foreach (var stream in streams)
        {
            foreach (var counter in new[] { EventsRead, EventsForwarded, LinesRejected, ListingCalls, RateLimited })
            {
                counter.Add(0, Tenant(tenant), Stream(stream));
            }
        }

        IntakeRetries.Add(0, Tenant(tenant));
    }

    public static void InFlight(int chunks, long bytes)
    {
        Interlocked.Add(ref _chunksInFlight, chunks);
        Interlocked.Add(ref _bytesInFlight, bytes);
    }

    /// <summary>A stopped puller's gauges go with it (the tenant may live on another node now).</summary>
    public static void Forget(string tenant)
    {
        Budgets.TryRemove(tenant, out _);
        foreach (var key in NewestForwarded.Keys.Where(k => k.Tenant == tenant))
        {
            NewestForwarded.TryRemove(key, out _);
        }
    }

    private static IEnumerable<Measurement<double>> ObserveLag()
    {
        var now = DateTimeOffset.UtcNow;
        return NewestForwarded.Select(kv => new Measurement<double>(Math.Max(0, (now - kv.Value).TotalSeconds), Tenant(kv.Key.Tenant), Stream(kv.Key.Stream)));
    }

    private static IEnumerable<Measurement<int>> ObserveBudget()
    {
        var now = DateTimeOffset.UtcNow;
        return Budgets.Select(kv => new Measurement<int>(kv.Value.Policy.Calls - kv.Value.Remaining(now), Tenant(kv.Key)));
    }
}
