using System.Text.Json;
using System.Text.Json.Nodes;

using MimecastActors.Simulator;

using Xunit.Abstractions;

namespace MimecastActors.IntegrationTests.Node;

/// <summary>What the node promises when things go wrong: nothing lost, few duplicates, the vendor's budget kept.</summary>
[Collection(NodeProcesses.Name)]
public sealed class NodeResilienceTests(ITestOutputHelper output)
{
    private const string Tenant = "acme";

    [Fact]
    public async Task A_node_killed_mid_drain_resumes_from_its_checkpoint_with_few_duplicates_and_its_budget_kept()
    {
        // Two files a page and a budget of 20 calls per 10 s: the drain spans several windows, so a restarted node
        // that forgot the calls it spent would burst into a window that is already used.
        var budget = new RateLimitScenario { Calls = 20, Window = TimeSpan.FromSeconds(10), SendRetryAfter = true };
        await using var rig = await NodeRig.StartAsync(new Scenario
        {
            Clients = [new ClientScenario { ClientId = Tenant, ClientSecret = "s3cret", EventTypes = ["receipt", "process", "journal"], BacklogFiles = 20, EventsPerFile = 1_000, RateLimit = budget }],
        });
        rig.MimecastSettings["PageSize"] = 2;
        rig.Simulator.Intake.Latency = TimeSpan.FromMilliseconds(30);
        var intake = rig.Simulator.Intake.Record(ScenarioFile.IntakeKeyOf(Tenant));

        using (var first = rig.StartNode())
        {
            await WaitUntil(() => intake.Stats.Unique >= 15_000, TimeSpan.FromSeconds(60), first);
            first.Kill();
        }

        var beforeRestart = intake.Stats;
        using var second = rig.StartNode();
        await rig.AwaitCompleteAsync(TimeSpan.FromMinutes(2), second);

        var calls = rig.Simulator.Mimecast.Client(Tenant).Stats;
        output.WriteLine($"killed at {beforeRestart.Unique:N0} events; duplicates {intake.Stats.Duplicates:N0}; calls {calls.SiemCalls}, most in a window {calls.MaxCallsInAnyWindow}, 429s {calls.TooManyRequests}");
        intake.Stats.Duplicates.Should().BeLessThanOrEqualTo((2 + 1) * 1_000, "only the chunks in flight (2 in the forwarder, one being offered) are sent again");
        calls.MaxCallsInAnyWindow.Should().BeLessThanOrEqualTo(budget.Calls, "the calls spent before the kill are in the journal");
        calls.TooManyRequests.Should().Be(0);
    }

    public static TheoryData<string> Quirks() => ["duplicate-urls", "empty-pages", "listing-5xx", "blob-5xx", "short-url-expiry", "short-token-ttl", "token-revocation", "429-retry-after", "429-reset-only", "all-at-once"];

    [Theory]
    [MemberData(nameof(Quirks))]
    public async Task Each_quirk_of_the_api_in_turn_and_all_at_once_still_gives_a_complete_duplicate_free_delivery(string quirk)
    {
        var all = quirk == "all-at-once";
        var client = new ClientScenario
        {
            ClientId = Tenant,
            ClientSecret = "s3cret",
            EventTypes = ["receipt", "process", "url protect", "journal"],
            BacklogFiles = 8,
            EventsPerFile = 300,
            TokenTtl = quirk is "short-token-ttl" || all ? TimeSpan.FromSeconds(2) : TimeSpan.FromMinutes(30),

            // The node believes it has 200 calls; the API allows 12 per 5 s and answers 429 beyond.
            RateLimit = quirk is "429-retry-after" or "429-reset-only" || all
                ? new RateLimitScenario { Calls = 12, Window = TimeSpan.FromSeconds(5), SendRetryAfter = quirk != "429-reset-only" }
                : new RateLimitScenario(),
        };
        client.Quirks.DuplicateUrls = quirk == "duplicate-urls" || all;
        client.Quirks.EmptyPageProbability = quirk == "empty-pages" || all ? 0.3 : 0;
        client.Quirks.ServerErrorProbability = quirk == "listing-5xx" || all ? 0.25 : 0;
        client.Quirks.BlobServerErrorProbability = quirk == "blob-5xx" || all ? 0.2 : 0;
        client.Quirks.UrlTtl = quirk == "short-url-expiry" || all ? TimeSpan.FromSeconds(1) : TimeSpan.FromMinutes(15);
        await using var rig = await NodeRig.StartAsync(new Scenario { Clients = [client] });
        rig.MimecastSettings["PageSize"] = 2;
        rig.MimecastSettings["RateLimit"] = new JsonObject { ["Calls"] = 200, ["Window"] = "00:15:00" };
        if (quirk == "short-url-expiry" || all)
        {
            rig.Simulator.Intake.Latency = TimeSpan.FromMilliseconds(400); // reading a page outlives its URLs
        }

        using var node = rig.StartNode();
        if (quirk == "token-revocation" || all)
        {
            var intake = rig.Simulator.Intake.Record(ScenarioFile.IntakeKeyOf(Tenant));
            await WaitUntil(() => intake.Stats.Unique >= 1_000, TimeSpan.FromSeconds(60), node);
            rig.Simulator.Mimecast.Client(Tenant).RevokeAllTokens();
        }

        await rig.AwaitCompleteAsync(TimeSpan.FromMinutes(3), node);

        var stats = rig.Simulator.Mimecast.Client(Tenant).Stats;
        output.WriteLine($"{quirk}: {stats.SiemCalls} listing calls, {stats.TooManyRequests} answered 429, {stats.TokensIssued} tokens, {stats.BlobsServed} blobs");
        rig.Duplicates(Tenant).Should().Be(0);
        if (quirk is "429-retry-after" or "429-reset-only")
        {
            stats.TooManyRequests.Should().BePositive("the scenario is meant to provoke 429s");
        }
    }

    [Fact]
    public async Task Poison_files_lose_no_valid_event_and_every_rejected_line_is_recorded_where_the_readme_says()
    {
        var client = new ClientScenario
        {
            ClientId = Tenant,
            ClientSecret = "s3cret",
            EventTypes = ["receipt", "av"],
            BacklogFiles = 4,
            EventsPerFile = 200,
            Files =
            [
                new BatchFileShape { Type = "receipt", Index = 0, InvalidJsonLine = 5, InvalidUtf8Line = 17, OversizeLine = 30 },
                new BatchFileShape { Type = "av", Index = 2, TruncateAtLine = 120 },
            ],
        };
        await using var rig = await NodeRig.StartAsync(new Scenario { Clients = [client] });

        using var node = rig.StartNode();
        await rig.AwaitCompleteAsync(TimeSpan.FromMinutes(2), node);

        rig.Duplicates(Tenant).Should().Be(0);
        var file = Path.Combine(rig.RejectedFolder, $"{Tenant}.rejected.ndjson");
        await WaitUntil(() => File.Exists(file) && File.ReadAllLines(file).Length >= 4, TimeSpan.FromSeconds(10), node);
        var records = File.ReadAllLines(file).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var expected = rig.Simulator.Mimecast.UndeliverableLines(Tenant)
            .GroupBy(u => (u.Type, u.FileIndex, Truncated: u.Defect == MimecastActors.Simulator.Mimecast.LineDefect.Truncated))
            .SelectMany(g => g.Key.Truncated ? g.Take(1) : g) // a truncated tail is one record, at its first lost line
            .ToList();
        expected.Should().HaveCount(4);
        foreach (var line in expected)
        {
            var suffix = $"/{SiemEventTypes.Slug(line.Type)}/{line.FileIndex:D8}.json.gz";
            records.Should().Contain(r =>
                r.GetProperty("file").GetString()!.EndsWith(suffix, StringComparison.Ordinal)
                && r.GetProperty("line").GetInt64() == line.Line + 1
                && r.GetProperty("reason").GetString() == line.Defect.ToString()
                && r.GetProperty("tenant").GetString() == Tenant,
                $"{line.Defect} at line {line.Line + 1} of {suffix} is recorded");
        }
    }

    [Fact]
    public async Task A_30_second_intake_outage_delays_delivery_without_growing_memory_and_loses_nothing()
    {
        await using var rig = await NodeRig.StartAsync(new Scenario
        {
            Clients = [new ClientScenario { ClientId = Tenant, ClientSecret = "s3cret", BacklogFiles = 30, EventsPerFile = 1_000 }],
        });
        var intake = rig.Simulator.Intake.Record(ScenarioFile.IntakeKeyOf(Tenant));
        // Two outages that overlap by a second or two, so the intake never answers in between: 503, then 429.
        rig.Simulator.Intake.StartOutage(TimeSpan.FromSeconds(17), status: 503);

        using var node = rig.StartNode();
        var samples = new List<long>();
        var outageEnds = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < outageEnds)
        {
            samples.Add(node.ResidentBytes());
            await Task.Delay(500);
        }

        // The second half: 429 with Retry-After.
        rig.Simulator.Intake.StartOutage(TimeSpan.FromSeconds(17), status: 429, retryAfter: TimeSpan.FromSeconds(2));
        outageEnds = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < outageEnds)
        {
            samples.Add(node.ResidentBytes());
            await Task.Delay(500);
        }

        var deliveredDuringOutage = intake.Stats.Unique;
        await rig.AwaitCompleteAsync(TimeSpan.FromMinutes(2), node);

        // The first seconds are the process starting; after them, an outage must not grow the node.
        var settled = samples.Skip(10).ToList();
        output.WriteLine($"resident memory during the outage: {string.Join(" ", samples.Select(s => s / (1024 * 1024)))} MiB; delivered during it: {deliveredDuringOutage}");
        deliveredDuringOutage.Should().Be(0);
        (settled.Max() - settled.Min()).Should().BeLessThan(40L * 1024 * 1024, "a stalled intake stops the pulling, not the memory");
        rig.Duplicates(Tenant).Should().Be(0);
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan within, NodeProcess node)
    {
        var until = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > until || node.HasExited)
            {
                throw new TimeoutException($"condition not met within {within}; last output:{Environment.NewLine}{node.Tail()}");
            }

            await Task.Delay(100);
        }
    }
}
