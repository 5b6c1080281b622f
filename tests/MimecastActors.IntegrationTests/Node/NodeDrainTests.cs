using MimecastActors.Simulator;

namespace MimecastActors.IntegrationTests.Node;

/// <summary>The real node executable against the simulator, on the real SQLite file or a real PostgreSQL server.</summary>
[Collection(NodeProcesses.Name)]
public sealed class NodeDrainTests
{
    private static Scenario ThreeTenants(int files, int events) => ScenarioFile.Generated(3, files, events, TimeSpan.Zero, new RateLimitScenario());

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("PostgreSql")]
    public async Task A_backlog_of_120000_events_over_ten_types_for_three_tenants_arrives_complete_once_inside_the_budget(string provider)
    {
        var postgres = provider == "PostgreSql" ? await PostgresServer.CreateDatabaseAsync("drain") : null;
        await using var rig = await NodeRig.StartAsync(ThreeTenants(files: 10, events: 400), postgres);

        using var node = rig.StartNode();
        await rig.AwaitCompleteAsync(TimeSpan.FromMinutes(2), node);

        foreach (var client in rig.Scenario.Clients)
        {
            rig.Simulator.Mimecast.PublishedIdentities(client.ClientId).Should().HaveCount(10 * 10 * 400);
            rig.Duplicates(client.ClientId).Should().Be(0, $"{client.ClientId} gets every event once");
            var stats = rig.Simulator.Mimecast.Client(client.ClientId).Stats;
            stats.MaxCallsInAnyWindow.Should().BeLessThanOrEqualTo(client.RateLimit.Calls);
            stats.TooManyRequests.Should().Be(0);
        }

        using var http = new HttpClient { BaseAddress = await node.AdminUrlAsync(TimeSpan.FromSeconds(5)) };
        (await http.GetAsync(new Uri("/healthz/live", UriKind.Relative))).StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        var ready = await http.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
        ready.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, "the node is Up and its journal answers: {0}", await ready.Content.ReadAsStringAsync());

        // The node's own figures agree with what the simulator saw.
        var metrics = PrometheusText.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        foreach (var client in rig.Scenario.Clients)
        {
            metrics.Sum("mimecast_events_forwarded_total", client.ClientId).Should().Be(10 * 10 * 400);
            metrics.Sum("mimecast_events_read_total", client.ClientId).Should().Be(10 * 10 * 400);
            metrics.Sum("mimecast_listing_calls_total", client.ClientId).Should().Be(rig.Simulator.Mimecast.Client(client.ClientId).Stats.SiemCalls);
            metrics.Sum("mimecast_intake_requests_total", client.ClientId).Should().Be(rig.Simulator.Intake.Record(ScenarioFile.IntakeKeyOf(client.ClientId)).Stats.Requests);
            metrics.Sum("mimecast_budget_used", client.ClientId).Should().BeInRange(1, client.RateLimit.Calls);
        }

        metrics.Should().Contain(s => s.Name == "mimecast_tenants_hosted" && s.Value == 3);

        // Every metric the Grafana dashboard queries is one this node exports.
        var dashboard = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "deploy", "grafana", "mimecast-actors.json"));
        var queried = System.Text.RegularExpressions.Regex.Matches(dashboard, "mimecast_[a-z_]+").Select(m => m.Value).ToHashSet();
        queried.Should().NotBeEmpty();
        queried.Should().BeSubsetOf(metrics.Select(s => s.Name), "the dashboard in deploy/grafana queries only exported metrics");

        (await node.TerminateAsync(TimeSpan.FromSeconds(30))).Should().Be(0, "SIGTERM is a graceful stop");
    }
}

[CollectionDefinition(Name)]
public sealed class NodeProcesses
{
    /// <summary>Node tests run one at a time: each node takes a core for itself, and timings would mean nothing in a crowd.</summary>
    public const string Name = "node processes";
}
