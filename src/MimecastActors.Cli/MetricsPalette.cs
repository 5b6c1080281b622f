using System.CommandLine;

using Spectre.Console;

namespace MimecastActors.Cli;

/// <summary>The asked node's figures for one tenant, summed over its streams.</summary>
/// <param name="LagSeconds">The worst stream's lag.</param>
/// <param name="BudgetUsed">Listing calls spent in the current budget window (the budget's size is not exported).</param>
/// <param name="IntakeErrors">Intake requests answered with something else than 2xx, or not answered.</param>
internal sealed record TenantFigures(
    string Tenant, long EventsRead, long EventsForwarded, long LinesRejected, double? LagSeconds, long? BudgetUsed,
    long ListingCalls, long RateLimited, long IntakeRequests, long IntakeErrors, long IntakeRetries);

internal sealed record NodeFigures(long TenantsHosted, long ChunksInFlight, long BytesInFlight);

/// <summary>What `metrics` prints (also as JSON): the scrape, per tenant, in words.</summary>
internal sealed record MetricsSummary(IReadOnlyList<TenantFigures> Tenants, NodeFigures Node)
{
    public static MetricsSummary Of(IReadOnlyList<MetricSample> samples)
    {
        var tenants = samples.Select(s => s.Tenant).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return new MetricsSummary(
            [.. tenants.Select(tenant =>
            {
                var mine = samples.Where(s => s.Tenant == tenant).ToList();
                var lags = mine.Where(s => s.Name == "mimecast_lag_seconds").Select(s => s.Value).ToList();
                var budget = mine.Where(s => s.Name == "mimecast_budget_used").Select(s => (long?)s.Value).FirstOrDefault();
                return new TenantFigures(
                    tenant,
                    Sum(mine, "mimecast_events_read_total"),
                    Sum(mine, "mimecast_events_forwarded_total"),
                    Sum(mine, "mimecast_lines_rejected_total"),
                    lags.Count > 0 ? lags.Max() : null,
                    budget,
                    Sum(mine, "mimecast_listing_calls_total"),
                    Sum(mine, "mimecast_listing_rate_limited_total"),
                    Sum(mine, "mimecast_intake_requests_total"),
                    Sum(mine.Where(s => !s.Labels.GetValueOrDefault("status", "").StartsWith('2')), "mimecast_intake_requests_total"),
                    Sum(mine, "mimecast_intake_retries_total"));
            })],
            new NodeFigures(Sum(samples, "mimecast_tenants_hosted"), Sum(samples, "mimecast_chunks_in_flight"), Sum(samples, "mimecast_bytes_in_flight_bytes")));
    }

    private static long Sum(IEnumerable<MetricSample> samples, string name) => (long)samples.Where(s => s.Name == name).Sum(s => s.Value);
}

/// <summary>`metrics`: the node's Prometheus scrape, summed per tenant, for a person at a terminal.</summary>
internal static class MetricsPalette
{
    public static Command Create(NodeOptions node)
    {
        var metrics = new Command(
            "metrics",
            "A summary of the asked node's /metrics per tenant it hosts or hosted (events read, forwarded, rejected; lag; calls in the budget window; 429s; " +
            "intake errors), and its tenants, chunks and bytes in flight. Counters count since the node started. For dashboards, scrape /metrics.");
        node.SetAction(metrics, async (run, cancel) =>
            run.Output.Print(MetricsSummary.Of(PrometheusText.Parse(await run.Node.GetTextAsync("metrics", cancel))), Print));
        return metrics;
    }

    private static void Print(MetricsSummary summary)
    {
        var table = Output.Table("Tenant", "Read", "Forwarded", "Rejected", "Lag", "Calls in window", "Listing calls", "429s", "Intake requests", "Intake errors");
        foreach (var t in summary.Tenants)
        {
            table.AddRow(
                Output.Cell(t.Tenant),
                Output.Cell(Output.Count(t.EventsRead)),
                Output.Cell(Output.Count(t.EventsForwarded)),
                Output.Cell(Output.Count(t.LinesRejected), t.LinesRejected > 0 ? Color.Yellow : null),
                Output.Cell(Output.Duration(t.LagSeconds)),
                Output.Cell(t.BudgetUsed is { } used ? Output.Count(used) : "-"),
                Output.Cell(Output.Count(t.ListingCalls)),
                Output.Cell(Output.Count(t.RateLimited), t.RateLimited > 0 ? Color.Yellow : null),
                Output.Cell(Output.Count(t.IntakeRequests)),
                Output.Cell(Output.Count(t.IntakeErrors), t.IntakeErrors > 0 ? Color.Yellow : null));
        }

        for (var column = 1; column < table.Columns.Count; column++)
        {
            table.Columns[column].RightAligned();
        }

        Output.Write(table);
        Output.Line($"Node: {Output.Count(summary.Node.TenantsHosted)} tenants hosted, " +
            $"{Output.Count(summary.Node.ChunksInFlight)} chunks ({Output.Bytes(summary.Node.BytesInFlight)}) in flight to the intakes.");
    }
}
