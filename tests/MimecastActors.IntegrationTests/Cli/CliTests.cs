using System.IO.Compression;
using System.Text.Json.Nodes;

using MimecastActors.IntegrationTests.Node;
using MimecastActors.Simulator;

namespace MimecastActors.IntegrationTests.Cli;

/// <summary>One node for the CLI tests: two tenants whose backlog has reached the intake, and an admin token.</summary>
public sealed class CliNode : IAsyncLifetime
{
    public const string Token = "cli-admin-token-5b1e9c";

    public static readonly string[] Tenants = ["acme", "globex"];

    public const int EventsPerTenant = 2 * 2 * 100; // 2 types x 2 files x 100 events

    private NodeRig? _rig;
    private NodeProcess? _node;

    public NodeRig Rig => _rig!;

    public NodeProcess Node => _node!;

    public Uri AdminUrl { get; private set; } = null!;

    public static string SecretOf(string tenant) => $"cli-secret-of-{tenant}";

    /// <summary>What no output may ever show: the tenants' client secrets and intake keys, and the admin token.</summary>
    public static IEnumerable<string> Secrets => [Token, .. Tenants.Select(SecretOf), .. Tenants.Select(ScenarioFile.IntakeKeyOf)];

    public async Task InitializeAsync()
    {
        _rig = await NodeRig.StartAsync(new Scenario
        {
            Clients = [.. Tenants.Select(id => new ClientScenario { ClientId = id, ClientSecret = SecretOf(id), EventTypes = ["receipt", "process"], BacklogFiles = 2, EventsPerFile = 100 })],
        });
        _rig.NodeSettings["Admin"] = new JsonObject { ["Urls"] = "http://127.0.0.1:0", ["Token"] = Token };
        _node = _rig.StartNode();
        AdminUrl = await _node.AdminUrlAsync(TimeSpan.FromSeconds(30));
        await _rig.AwaitCompleteAsync(TimeSpan.FromMinutes(1), _node);

        // The intake records a chunk a moment before the node counts its acknowledgement: wait for the node's figures too.
        using var http = new HttpClient { BaseAddress = AdminUrl };
        var until = DateTime.UtcNow.AddSeconds(10);
        while (PrometheusText.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))) is var metrics
            && Tenants.Any(id => metrics.Sum("mimecast_events_forwarded_total", id) < EventsPerTenant) && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (_rig is not null)
        {
            await _rig.DisposeAsync();
        }
    }
}

/// <summary>The real `mimecastctl` against the real node over HTTP: every palette, tables and `--json`, errors and exit codes.</summary>
[Collection(NodeProcesses.Name)]
public sealed class CliTests(CliNode node) : IClassFixture<CliNode>
{
    /// <summary>Runs the CLI on the node with the token from the environment; no run may print a secret.</summary>
    private async Task<CliRun> Ctl(params string[] arguments) =>
        await Run(["--host", node.AdminUrl.ToString(), .. arguments], new Dictionary<string, string> { ["MIMECASTCTL_TOKEN"] = CliNode.Token });

    private static async Task<CliRun> Run(string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var run = await Mimecastctl.RunAsync(arguments, environment);
        foreach (var secret in CliNode.Secrets)
        {
            (run.Output + run.Error).Should().NotContain(secret, "`mimecastctl {0}` prints no secret", string.Join(' ', arguments));
        }

        run.Error.Should().NotContain("   at ", "no stack trace");
        return run;
    }

    private static void ShouldSucceed(CliRun run) => run.ExitCode.Should().Be(0, run.ToString());

    [Fact]
    public async Task Cluster_show_lists_one_member_Up_and_leave_or_down_refuse_what_is_not_a_member()
    {
        var human = await Ctl("cluster", "show");
        ShouldSucceed(human);
        human.Output.Should().Contain("Up").And.Contain("puller").And.Contain("akka.tcp://mimecast-actors@127.0.0.1:");

        var json = await Ctl("--json", "cluster", "show");
        ShouldSucceed(json);
        var members = json.Json["members"]!.AsArray();
        members.Should().ContainSingle();
        members[0]!["status"]!.GetValue<string>().Should().Be("Up");
        members[0]!["reachable"]!.GetValue<bool>().Should().BeTrue();
        members[0]!["address"]!.GetValue<string>().Should().Be(json.Json["self"]!.GetValue<string>()).And.Be(json.Json["leader"]!.GetValue<string>());

        var stranger = await Ctl("cluster", "down", "akka.tcp://mimecast-actors@127.0.0.1:1");
        stranger.ExitCode.Should().Be(1, stranger.ToString());
        stranger.Error.Should().Be("mimecastctl: akka.tcp://mimecast-actors@127.0.0.1:1 is not a member of this cluster\n");

        var nonsense = await Ctl("cluster", "leave", "nonsense");
        nonsense.ExitCode.Should().Be(1, nonsense.ToString());
        nonsense.Error.Should().Contain("`nonsense` is not a node address");
    }

    [Fact]
    public async Task Cluster_leave_makes_the_node_leave_and_stop_after_which_it_is_unreachable()
    {
        // A node of its own: the shared one must stay up for the other tests.
        await using var rig = await NodeRig.StartAsync(new Scenario { Clients = [new ClientScenario { ClientId = "acme", ClientSecret = CliNode.SecretOf("acme"), BacklogFiles = 0 }] });
        rig.NodeSettings["Admin"] = new JsonObject { ["Urls"] = "http://127.0.0.1:0", ["Token"] = CliNode.Token };
        using var leaving = rig.StartNode();
        var host = (await leaving.AdminUrlAsync(TimeSpan.FromSeconds(30))).ToString();
        var environment = new Dictionary<string, string> { ["MIMECASTCTL_HOST"] = host, ["MIMECASTCTL_TOKEN"] = CliNode.Token };
        var self = (await Run(["cluster", "show", "--json"], environment)).Json["self"]!.GetValue<string>();

        var leave = await Run(["cluster", "leave", self], environment);
        ShouldSucceed(leave);
        leave.Output.Should().Be($"{self}: leaving\n");
        (await leaving.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(0, "a member that left stops gracefully");

        var gone = await Run(["cluster", "show"], environment);
        gone.ExitCode.Should().Be(3, gone.ToString());
        gone.Error.Should().StartWith($"mimecastctl: cannot reach the node at {host}: Connection refused");
    }

    [Fact]
    public async Task Sharding_shows_the_tenant_region_its_shards_on_the_node_and_where_a_tenant_runs()
    {
        var self = (await Ctl("--json", "cluster", "show")).Json["self"]!.GetValue<string>();

        var regions = await Ctl("sharding", "regions", "--json");
        ShouldSucceed(regions);
        regions.Json.AsArray().Should().ContainSingle().Which!["name"]!.GetValue<string>().Should().Be("tenant");
        (await Ctl("sharding", "regions")).Output.Should().Contain("tenant");

        var stats = await Ctl("sharding", "region-stats", "--json");
        ShouldSucceed(stats);
        var share = stats.Json.AsArray().Should().ContainSingle().Subject!;
        share["node"]!.GetValue<string>().Should().Be(self);
        share["entities"]!.GetValue<int>().Should().Be(2);
        (await Ctl("sharding", "region-stats", "tenant")).Output.Should().Contain(self);

        var shards = await Ctl("sharding", "shard-stats", "--json");
        ShouldSucceed(shards);
        shards.Json["node"]!.GetValue<string>().Should().Be(self);
        shards.Json["shards"]!.AsArray().SelectMany(s => s!["tenants"]!.AsArray().Select(t => t!.GetValue<string>())).Should().BeEquivalentTo(CliNode.Tenants);
        (await Ctl("sharding", "shard-stats")).Output.Should().Contain("acme").And.Contain("globex");

        var located = await Ctl("sharding", "locate", "acme", "--json");
        ShouldSucceed(located);
        located.Json["node"]!.GetValue<string>().Should().Be(self);
        located.Json["tenant"]!.GetValue<string>().Should().Be("acme");
        located.Json["shard"]!.GetValue<string>().Should().NotBeEmpty();
        var human = await Ctl("sharding", "locate", "acme");
        human.Output.Should().Contain(self).And.Contain("acme");

        var unknownRegion = await Ctl("sharding", "region-stats", "nope");
        unknownRegion.ExitCode.Should().Be(1);
        unknownRegion.Error.Should().Contain("no region named `nope`");
    }

    [Fact]
    public async Task Tenant_list_and_show_give_state_progress_and_budget_of_the_configured_tenants()
    {
        var list = await Ctl("tenant", "list", "--json");
        ShouldSucceed(list);
        var tenants = list.Json.AsArray();
        tenants.Select(t => t!["tenant"]!.GetValue<string>()).Should().Equal(CliNode.Tenants);
        foreach (var tenant in tenants)
        {
            tenant!["eventsForwarded"]!.GetValue<long>().Should().Be(CliNode.EventsPerTenant);
            tenant["state"]!.GetValue<string>().Should().BeOneOf("running", "caught-up");
            tenant["callsUsed"]!.GetValue<int>().Should().BeInRange(1, tenant["budget"]!.GetValue<int>());
        }

        var human = await Ctl("tenant", "list");
        ShouldSucceed(human);
        var rows = human.Output.Split('\n');
        foreach (var id in CliNode.Tenants)
        {
            rows.Should().ContainSingle(r => r.Contains($" {id} ", StringComparison.Ordinal)).Which.Should().Contain("400").And.Contain("127.0.0.1:");
        }

        var detail = await Ctl("tenant", "show", "acme", "--json");
        ShouldSucceed(detail);
        detail.Json["streams"]!.AsArray().Select(s => s!["stream"]!.GetValue<string>()).Should().BeEquivalentTo("receipt", "process");
        detail.Json["recentLogs"]!.AsArray().Should().OnlyContain(l => l!["message"]!.GetValue<string>().StartsWith("Tenant acme", StringComparison.Ordinal));

        var shown = await Ctl("tenant", "show", "acme");
        ShouldSucceed(shown);
        shown.Output.Should().Contain("Tenant").And.Contain("acme").And.Contain("receipt").And.Contain("process").And.Contain("400 events");
    }

    [Fact]
    public async Task A_paused_tenant_shows_paused_with_the_reason_and_resume_lets_it_run_again()
    {
        var pause = await Ctl("tenant", "pause", "globex", "--reason", "mailbox migration");
        ShouldSucceed(pause);
        pause.Output.Should().Contain("globex").And.Contain("paused").And.Contain("mailbox migration");

        var shown = await Ctl("tenant", "show", "globex", "--json");
        shown.Json["state"]!.GetValue<string>().Should().Be("paused");
        shown.Json["pausedBecause"]!.GetValue<string>().Should().Contain("mailbox migration");
        (await Ctl("tenant", "show", "globex")).Output.Should().MatchRegex(@"State\s+paused");
        (await Ctl("tenant", "list")).Output.Split('\n').Should().ContainSingle(r => r.Contains(" globex ", StringComparison.Ordinal))
            .Which.Should().Contain("mailbox migration");

        var resume = await Ctl("tenant", "resume", "globex", "--json");
        ShouldSucceed(resume);
        resume.Json["state"]!.GetValue<string>().Should().BeOneOf("running", "caught-up");
        resume.Json["pausedBecause"].Should().BeNull();
        (await Ctl("tenant", "resume", "acme")).Output.Should().StartWith("acme: ").And.NotContain("paused");
    }

    [Fact]
    public async Task Replay_needs_a_date_inside_mimecasts_retention_and_a_stream_the_tenant_has()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var tooOld = await Ctl("tenant", "replay", "acme", "--from", today.AddDays(-30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        tooOld.ExitCode.Should().Be(1, tooOld.ToString());
        tooOld.Error.Should().Contain("outside the 7 days");

        var noSuchStream = await Ctl("tenant", "replay", "acme", "--from", today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), "--stream", "spam");
        noSuchStream.ExitCode.Should().Be(1, noSuchStream.ToString());
        noSuchStream.Error.Should().Contain("has no stream `spam`");

        var notADate = await Ctl("tenant", "replay", "acme", "--from", "yesterday");
        notADate.ExitCode.Should().Be(2, notADate.ToString());
    }

    [Fact]
    public async Task Log_peek_prints_the_last_lines_of_the_node_or_of_one_tenant()
    {
        var json = await Ctl("log", "peek", "--lines", "5", "--json");
        ShouldSucceed(json);
        var lines = json.Json.AsArray();
        lines.Should().HaveCount(5);
        lines.Should().OnlyContain(l => l!["level"] != null && l["message"] != null && l["at"] != null);

        var acme = await Ctl("log", "peek", "--tenant", "acme");
        ShouldSucceed(acme);
        var printed = acme.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        printed.Should().NotBeEmpty().And.OnlyContain(l => l.Contains(": Tenant acme", StringComparison.Ordinal));
        printed[0].Should().MatchRegex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ (INF|WRN|ERR|DBG) ");

        var zero = await Ctl("log", "peek", "--lines", "0");
        zero.ExitCode.Should().Be(1, "the node refuses it: {0}", zero);
        zero.Error.Should().Be("mimecastctl: lines must be between 1 and 5000 (got 0)\n");

        var notANumber = await Ctl("log", "peek", "--lines", "many");
        notANumber.ExitCode.Should().Be(2, "a usage error is found before asking: {0}", notANumber);
        notANumber.Error.Should().Contain("many").And.Contain("--lines").And.Contain("mimecastctl log peek --help");
    }

    private bool MatchesSimulator(CliRun run) =>
        run.ExitCode == 0 && run.Json["tenants"]!.AsArray().All(t =>
            t!["listingCalls"]!.GetValue<long>() == node.Rig.Simulator.Mimecast.Client(t["tenant"]!.GetValue<string>()).Stats.SiemCalls);

    [Fact]
    public async Task Metrics_summarise_the_scrape_per_tenant_and_match_what_the_intake_received()
    {
        // The node polls caught-up streams every few seconds: a listing the simulator has counted may not be in the
        // node's counters yet. Take the scrape again until none is in flight (the figures then must agree exactly).
        var json = await Ctl("metrics", "--json");
        for (var attempt = 0; attempt < 40 && !MatchesSimulator(json); attempt++)
        {
            await Task.Delay(250);
            json = await Ctl("metrics", "--json");
        }

        ShouldSucceed(json);
        var tenants = json.Json["tenants"]!.AsArray();
        tenants.Select(t => t!["tenant"]!.GetValue<string>()).Should().Equal(CliNode.Tenants);
        foreach (var tenant in tenants)
        {
            var id = tenant!["tenant"]!.GetValue<string>();
            tenant["eventsForwarded"]!.GetValue<long>().Should().Be(node.Rig.Simulator.Intake.Record(ScenarioFile.IntakeKeyOf(id)).Stats.Received);
            tenant["listingCalls"]!.GetValue<long>().Should().Be(node.Rig.Simulator.Mimecast.Client(id).Stats.SiemCalls);
            tenant["rateLimited"]!.GetValue<long>().Should().Be(0);
            tenant["linesRejected"]!.GetValue<long>().Should().Be(0);
        }

        json.Json["node"]!["tenantsHosted"]!.GetValue<long>().Should().Be(2);

        var human = await Ctl("metrics");
        ShouldSucceed(human);
        human.Output.Should().Contain("Forwarded").And.Contain("429s").And.Contain("Node: 2 tenants hosted");
        human.Output.Split('\n').Should().ContainSingle(r => r.Contains(" acme ", StringComparison.Ordinal)).Which.Should().Contain($" {CliNode.EventsPerTenant} ");
    }

    [Fact]
    public async Task A_body_or_query_value_that_does_not_bind_is_a_400_that_names_it()
    {
        using var http = new HttpClient { BaseAddress = node.AdminUrl };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", CliNode.Token);

        static async Task ShouldName(HttpResponseMessage response, string what)
        {
            response.StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest);
            using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            body.RootElement.GetProperty("error").GetString().Should().Contain(what);
        }

        await ShouldName(await http.PostAsync(new Uri("/api/tenants/acme/replay", UriKind.Relative),
            new StringContent("""{"from":"2026-13-01"}""", System.Text.Encoding.UTF8, "application/json")), "ReplayRequest");
        await ShouldName(await http.PostAsync(new Uri("/api/tenants/acme/pause", UriKind.Relative),
            new StringContent("""{"reason":""", System.Text.Encoding.UTF8, "application/json")), "PauseRequest");
        await ShouldName(await http.GetAsync(new Uri("/api/logs?lines=abc", UriKind.Relative)), "lines");
        (await Ctl("tenant", "show", "acme")).Output.Should().NotContain("paused", "a pause whose body did not bind does nothing");
    }

    [Fact]
    public async Task Errors_are_one_clear_line_with_an_exit_code_a_script_can_tell_apart()
    {
        var unknown = await Ctl("tenant", "show", "nope");
        unknown.ExitCode.Should().Be(1);
        unknown.Error.Should().Be("mimecastctl: no tenant `nope`: it is neither in the configuration file nor added through the admin API\n");
        unknown.Output.Should().BeEmpty();

        var wrongToken = await Run(["--host", node.AdminUrl.ToString(), "--token", "not-the-token", "tenant", "list"]);
        wrongToken.ExitCode.Should().Be(1);
        wrongToken.Error.Should().Be("mimecastctl: wrong bearer token\n");
        wrongToken.Output.Should().NotContain("not-the-token");

        var noToken = await Run(["--host", node.AdminUrl.ToString(), "tenant", "list"]);
        noToken.ExitCode.Should().Be(1);
        noToken.Error.Should().Contain("missing bearer token").And.Contain("--token-file");

        var tokenFile = Path.Combine(node.Rig.Folder, "admin-token");
        await File.WriteAllTextAsync(tokenFile, CliNode.Token + "\n");
        ShouldSucceed(await Run(["--host", node.AdminUrl.ToString(), "--token-file", tokenFile, "sharding", "regions"]));

        var closedPort = $"http://127.0.0.1:{NodeRig.FreePort()}";
        var down = await Run(["--host", closedPort, "--token", "whatever", "tenant", "list"]);
        down.ExitCode.Should().Be(3, down.ToString());
        down.Error.Should().StartWith($"mimecastctl: cannot reach the node at {closedPort}/: ");

        foreach (var usage in new[] { new[] { "tenant", "frobnicate" }, ["tenant"], [], ["--host", "not a url", "tenant", "list"], ["tenant", "show"] })
        {
            var run = await Run(usage);
            run.ExitCode.Should().Be(2, "`mimecastctl {0}` is a usage error: {1}", string.Join(' ', usage), run);
            run.Error.Should().StartWith("mimecastctl: ").And.Contain("--help");
        }
    }

    [Fact]
    public async Task Help_works_on_every_command_and_says_where_each_kind_of_tenant_is_changed()
    {
        var root = await Run(["--help"]);
        ShouldSucceed(root);
        root.Output.Should().Contain("cluster").And.Contain("sharding").And.Contain("tenant").And.Contain("log").And.Contain("metrics").And.Contain("--json");

        var tenant = await Run(["tenant", "--help"]);
        ShouldSucceed(tenant);
        tenant.Output.Should().Contain("changed there").And.Contain("add").And.Contain("update").And.Contain("remove").And.Contain("replay");

        foreach (var command in new[] { "cluster show", "cluster leave", "cluster down", "sharding regions", "sharding region-stats", "sharding shard-stats", "sharding locate", "tenant list", "tenant show", "tenant add", "tenant update", "tenant remove", "tenant pause", "tenant resume", "tenant replay", "log peek", "metrics" })
        {
            var help = await Run([.. command.Split(' '), "--help"]);
            help.ExitCode.Should().Be(0, $"`{command} --help`: {help}");
            help.Output.Should().Contain($"mimecastctl {command}");
        }
    }
}

/// <summary>`dotnet pack` makes a .NET tool an operator can install with `dotnet tool install`.</summary>
public sealed class CliPackageTests
{
    [Fact]
    public async Task Pack_makes_a_dotnet_tool_named_mimecastctl()
    {
        var folder = Directory.CreateTempSubdirectory("mimecastctl-pack-").FullName;
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // The tests' own build: no second build of the project while others may be building it.
            foreach (var argument in new[] { "pack", Path.Combine(RepositoryPaths.Root, "src", "MimecastActors.Cli"), "--no-build", "-c", Mimecastctl.Configuration, "-o", folder })
            {
                start.ArgumentList.Add(argument);
            }

            using var pack = System.Diagnostics.Process.Start(start)!;
            var output = pack.StandardOutput.ReadToEndAsync();
            var error = pack.StandardError.ReadToEndAsync();
            await pack.WaitForExitAsync();
            pack.ExitCode.Should().Be(0, $"{await output}{await error}");

            var package = Directory.GetFiles(folder, "*.nupkg").Should().ContainSingle().Subject;
            Path.GetFileName(package).Should().StartWith("mimecastctl.");
            using var zip = ZipFile.OpenRead(package);
            zip.Entries.Select(e => e.FullName).Should().Contain("tools/net10.0/any/mimecastctl.dll").And.Contain("tools/net10.0/any/DotnetToolSettings.xml");
            using var settings = new StreamReader(zip.GetEntry("tools/net10.0/any/DotnetToolSettings.xml")!.Open());
            (await settings.ReadToEndAsync()).Should().Contain("<Command Name=\"mimecastctl\" EntryPoint=\"mimecastctl.dll\"");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
