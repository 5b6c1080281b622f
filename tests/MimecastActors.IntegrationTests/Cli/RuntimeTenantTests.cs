using System.Text.Json.Nodes;

using Microsoft.Data.Sqlite;

using MimecastActors.IntegrationTests.Node;
using MimecastActors.Simulator;

namespace MimecastActors.IntegrationTests.Cli;

/// <summary>
/// A tenant added at runtime with the real `mimecastctl` on the real node: it pulls, survives a full restart of the
/// node, is paused, resumed, replayed, updated and removed; no secret ever shows in the CLI's output (which is the
/// API's JSON with --json), the node's log or the journal.
/// </summary>
[Collection(NodeProcesses.Name)]
public sealed class RuntimeTenantTests
{
    private const string Token = "runtime-admin-token-4c2a";
    private const string Configured = "acme";
    private const string Added = "initech";

    private static readonly string[] Secrets =
        [Token, SecretOf(Configured), SecretOf(Added), ScenarioFile.IntakeKeyOf(Configured), ScenarioFile.IntakeKeyOf(Added)];

    private static string SecretOf(string tenant) => $"runtime-secret-of-{tenant}";

    private static async Task<CliRun> Ctl(NodeProcess node, params string[] arguments)
    {
        var run = await Mimecastctl.RunAsync(
            ["--host", (await node.AdminUrlAsync(TimeSpan.FromSeconds(30))).ToString(), .. arguments],
            new Dictionary<string, string> { ["MIMECASTCTL_TOKEN"] = Token });
        foreach (var secret in Secrets)
        {
            (run.Output + run.Error).Should().NotContain(secret, "`mimecastctl {0}` prints no secret", string.Join(' ', arguments));
        }

        run.Error.Should().NotContain("   at ", "no stack trace");
        return run;
    }

    private static void ShouldSucceed(CliRun run) => run.ExitCode.Should().Be(0, run.ToString());

    [Fact]
    public async Task A_tenant_added_with_mimecastctl_pulls_survives_a_restart_and_is_paused_resumed_replayed_updated_and_removed()
    {
        await using var rig = await NodeRig.StartAsync(new Scenario
        {
            Clients =
            [
                new ClientScenario { ClientId = Configured, ClientSecret = SecretOf(Configured), EventTypes = ["receipt"], BacklogFiles = 2, EventsPerFile = 50 },
                new ClientScenario { ClientId = Added, ClientSecret = SecretOf(Added), EventTypes = ["receipt", "process"], BacklogFiles = 3, EventsPerFile = 100 },
            ],
        });
        rig.NodeSettings["Admin"] = new JsonObject { ["Urls"] = "http://127.0.0.1:0", ["Token"] = Token };
        // No keep-running round during the test: an updated tenant must come back by itself, not at the next round.
        rig.NodeSettings["Sharding"] = new JsonObject { ["EnsureTenantsEvery"] = "00:10:00" };
        var configuration = rig.Configuration([Configured]);

        // The tenant's file is what the configuration file would hold for it.
        var tenantFile = Path.Combine(rig.Folder, "initech.json");
        var tenant = rig.Configuration([Added])["Tenants"]![0]!.AsObject();
        await File.WriteAllTextAsync(tenantFile, tenant.ToJsonString());
        var logs = new List<string>();

        var node = rig.StartNode(configuration);
        var add = await Ctl(node, "tenant", "add", Added, "--file", tenantFile);
        ShouldSucceed(add);
        add.Output.Should().StartWith($"{Added}: added").And.Contain("Client secret").And.Contain("set").And.Contain("receipt");
        await rig.AwaitCompleteAsync(TimeSpan.FromMinutes(1), node);

        var list = await Ctl(node, "tenant", "list", "--json");
        ShouldSucceed(list);
        list.Json.AsArray().Select(t => (t!["tenant"]!.GetValue<string>(), t["source"]!.GetValue<string>()))
            .Should().Equal((Configured, "configuration"), (Added, "api"));
        (await Ctl(node, "tenant", "list")).Output.Split('\n').Should().Contain(row => row.Contains(Added, StringComparison.Ordinal) && row.Contains("api", StringComparison.Ordinal));

        // Mistakes are refused with the reason, and change nothing.
        var again = await Ctl(node, "tenant", "add", Added, "--file", tenantFile);
        again.ExitCode.Should().Be(1, again.ToString());
        again.Error.Should().Be($"mimecastctl: tenant `{Added}` already exists: change it with PUT /api/tenants/{Added}\n");
        var mismatch = await Ctl(node, "tenant", "add", Configured, "--file", tenantFile);
        mismatch.ExitCode.Should().Be(2, mismatch.ToString());
        mismatch.Error.Should().Be($"mimecastctl: {tenantFile} names tenant `{Added}`, not `{Configured}`\n");
        var withoutId = tenant.DeepClone().AsObject();
        withoutId.Remove("Id");
        var withoutIdFile = Path.Combine(rig.Folder, "without-id.json");
        await File.WriteAllTextAsync(withoutIdFile, withoutId.ToJsonString());
        var fileTenant = await Ctl(node, "tenant", "add", Configured, "--file", withoutIdFile);
        fileTenant.ExitCode.Should().Be(1, fileTenant.ToString());
        fileTenant.Error.Should().Contain("is in the node's configuration file, which wins over the admin API");
        var invalidFile = Path.Combine(rig.Folder, "invalid.json");
        var invalid = withoutId.DeepClone().AsObject();
        invalid["Mimecast"]!["PageSize"] = 500;
        invalid["Mimecast"]!["EventTypes"] = new JsonArray("recept");
        await File.WriteAllTextAsync(invalidFile, invalid.ToJsonString());
        var refused = await Ctl(node, "tenant", "add", "umbrella", "--file", invalidFile);
        refused.ExitCode.Should().Be(1, refused.ToString());
        refused.Error.Should().Contain("tenant `umbrella` is not valid").And.Contain("Mimecast.PageSize 500").And.Contain("`recept` is not a SIEM event type");
        await File.WriteAllTextAsync(invalidFile, "{ \"Mimecast\": ");
        var notJson = await Ctl(node, "tenant", "add", "umbrella", "--file", invalidFile);
        notJson.ExitCode.Should().Be(2, notJson.ToString());
        notJson.Error.Should().StartWith($"mimecastctl: {invalidFile} is not valid JSON");
        var misspelt = withoutId.DeepClone().AsObject();
        misspelt["Mimecast"]!["ClientSecrte"] = "x";
        await File.WriteAllTextAsync(invalidFile, misspelt.ToJsonString());
        (await Ctl(node, "tenant", "add", "umbrella", "--file", invalidFile)).Error.Should().Contain("ClientSecrte");
        var nulled = withoutId.DeepClone().AsObject();
        nulled["Intake"] = null;
        await File.WriteAllTextAsync(invalidFile, nulled.ToJsonString());
        var nullRefused = await Ctl(node, "tenant", "add", "umbrella", "--file", invalidFile);
        nullRefused.ExitCode.Should().Be(1, nullRefused.ToString());
        nullRefused.Error.Should().Contain("not valid JSON of the configuration file's shape").And.Contain("Intake");

        // A full restart: the tenant comes back from the registry's journal and polls again.
        (await node.TerminateAsync(TimeSpan.FromSeconds(30))).Should().Be(0);
        logs.AddRange(node.Output);
        node.Dispose();
        var callsAtRestart = rig.Simulator.Mimecast.Client(Added).Stats.SiemCalls;
        node = rig.StartNode(configuration);
        await Until(() => rig.Simulator.Mimecast.Client(Added).Stats.SiemCalls > callsAtRestart, TimeSpan.FromSeconds(60), () => $"{Added} did not poll after the restart:\n{node.Tail()}");
        var intake = rig.Simulator.Intake.Record(ScenarioFile.IntakeKeyOf(Added));
        intake.Stats.Duplicates.Should().Be(0);
        (await Ctl(node, "tenant", "show", Added, "--json")).Json["source"]!.GetValue<string>().Should().Be("api");

        var pause = await Ctl(node, "tenant", "pause", Added, "--reason", "contract review");
        ShouldSucceed(pause);
        pause.Output.Should().Be($"{Added}: paused by an operator: contract review\n");
        ShouldSucceed(await Ctl(node, "tenant", "resume", Added));
        (await Ctl(node, "tenant", "show", Added, "--json")).Json["state"]!.GetValue<string>().Should().NotBe("paused");

        var duplicatesBefore = intake.Stats.Duplicates;
        var yesterday = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        ShouldSucceed(await Ctl(node, "tenant", "replay", Added, "--from", yesterday, "--stream", "receipt"));
        await Until(() => intake.Stats.Duplicates >= duplicatesBefore + 3 * 100, TimeSpan.FromSeconds(60), () => $"the replay sent {intake.Stats.Duplicates - duplicatesBefore} events again");

        // An update without secrets keeps them: the tenant restarts on its new page size and pulls on.
        var update = tenant.DeepClone().AsObject();
        update["Mimecast"]!.AsObject().Remove("ClientSecret");
        update["Intake"]!.AsObject().Remove("IntakeKey");
        update["Mimecast"]!["PageSize"] = 50;
        var updateFile = Path.Combine(rig.Folder, "initech-update.json");
        await File.WriteAllTextAsync(updateFile, update.ToJsonString());
        var updated = await Ctl(node, "tenant", "update", Added, "--file", updateFile, "--json");
        ShouldSucceed(updated);
        updated.Json["status"]!.GetValue<string>().Should().Be("updated");
        updated.Json["pageSize"]!.GetValue<int>().Should().Be(50);
        var callsAtUpdate = rig.Simulator.Mimecast.Client(Added).Stats.SiemCalls;
        await Until(() => rig.Simulator.Mimecast.Client(Added).Stats.SiemCalls > callsAtUpdate, TimeSpan.FromSeconds(20), () => $"{Added} did not poll after its update:\n{node.Tail()}");
        (await Ctl(node, "tenant", "show", Added, "--json")).Json["pausedBecause"].Should().BeNull("its kept secrets still work");

        var remove = await Ctl(node, "tenant", "remove", Added);
        ShouldSucceed(remove);
        remove.Output.Should().Be($"{Added}: removed\n");
        var gone = await Ctl(node, "tenant", "show", Added);
        gone.ExitCode.Should().Be(1, gone.ToString());
        gone.Error.Should().Contain($"no tenant `{Added}`");
        (await Ctl(node, "tenant", "remove", Added)).ExitCode.Should().Be(1);
        (await Ctl(node, "tenant", "remove", Configured)).Error.Should().Contain("configuration file");
        await node.WaitForOutputAsync($"Tenant {Added}: its configuration changed; it stops", TimeSpan.FromSeconds(30));
        var callsAfterRemoval = rig.Simulator.Mimecast.Client(Added).Stats.SiemCalls;
        await Task.Delay(TimeSpan.FromSeconds(6)); // longer than the poll interval: a running tenant would list again
        rig.Simulator.Mimecast.Client(Added).Stats.SiemCalls.Should().Be(callsAfterRemoval, "a removed tenant does not pull");

        var metrics = await new HttpClient().GetStringAsync(new Uri(await node.AdminUrlAsync(TimeSpan.FromSeconds(5)), "/metrics"));
        (await node.TerminateAsync(TimeSpan.FromSeconds(30))).Should().Be(0);
        logs.AddRange(node.Output);
        node.Dispose();

        foreach (var secret in Secrets.Skip(1))
        {
            logs.Should().NotContain(line => line.Contains(secret, StringComparison.Ordinal), "no log line holds a secret");
            metrics.Should().NotContain(secret);
        }

        await NoSecretInJournal(Path.Combine(rig.Folder, "journal.db"));
    }

    /// <summary>Every column of every table of the journal file, as text: the registry's journal holds sealed secrets only.</summary>
    private static async Task NoSecretInJournal(string file)
    {
        await using var journal = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        await journal.OpenAsync();
        var tables = new List<string>();
        await using (var names = new SqliteCommand("SELECT name FROM sqlite_master WHERE type = 'table'", journal))
        await using (var reader = await names.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        tables.Should().Contain("journal");
        var registryEvents = 0;
        foreach (var table in tables)
        {
            await using var rows = new SqliteCommand($"SELECT * FROM \"{table}\"", journal);
            await using var reader = await rows.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var column = 0; column < reader.FieldCount; column++)
                {
                    var text = reader.GetValue(column) switch { byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes), var value => value.ToString() ?? "" };
                    registryEvents += text.Contains("sealedClientSecret", StringComparison.Ordinal) ? 1 : 0;
                    foreach (var secret in Secrets)
                    {
                        text.Should().NotContain(secret, $"{table}.{reader.GetName(column)} holds no secret in clear");
                    }
                }
            }
        }

        registryEvents.Should().BePositive("the registry's journal was searched too");
    }

    private static async Task Until(Func<bool> condition, TimeSpan within, Func<string> failure)
    {
        var until = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new Xunit.Sdk.XunitException(failure());
            }

            await Task.Delay(200);
        }
    }
}
