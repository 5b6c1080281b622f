using System.Net.Http.Json;
using System.Text.Json.Nodes;

using Microsoft.Data.Sqlite;

using MimecastActors.Simulator;

namespace MimecastActors.IntegrationTests.Node;

/// <summary>Tenants as an operator configures them: paused on bad credentials or key, resumed by a new configuration, removed and kept.</summary>
[Collection(NodeProcesses.Name)]
public sealed class NodeTenantTests
{
    private static ClientScenario Client(string id) =>
        new() { ClientId = id, ClientSecret = $"real-secret-of-{id}", EventTypes = ["receipt", "process"], BacklogFiles = 4, EventsPerFile = 250 };

    [Fact]
    public async Task Bad_credentials_pause_the_tenant_alone_and_a_corrected_configuration_resumes_it_with_nothing_lost()
    {
        await using var rig = await NodeRig.StartAsync(new Scenario { Clients = [Client("acme"), Client("globex")] });
        var configuration = rig.Configuration();
        configuration["Tenants"]![0]!["Mimecast"]!["ClientSecret"] = "a-wrong-secret";
        configuration["Tenants"]![1]!["Intake"]!["IntakeKey"] = "a-key-the-intake-does-not-know";

        using (var node = rig.StartNode(configuration))
        {
            await node.WaitForOutputAsync("Tenant acme paused", TimeSpan.FromSeconds(30));
            await node.WaitForOutputAsync("Tenant globex paused", TimeSpan.FromSeconds(30));
            (await node.TerminateAsync(TimeSpan.FromSeconds(30))).Should().Be(0);
            var output = string.Join('\n', node.Output);
            output.Should().Contain("client credentials").And.Contain("intake");
            output.Should().NotContain("a-wrong-secret").And.NotContain("a-key-the-intake-does-not-know").And.NotContain("real-secret-of");
        }

        rig.Simulator.Intake.Record(ScenarioFile.IntakeKeyOf("acme")).Stats.Received.Should().Be(0);

        using var corrected = rig.StartNode();
        await rig.AwaitCompleteAsync(TimeSpan.FromMinutes(1), corrected);
        rig.Duplicates("acme").Should().Be(0);
        rig.Duplicates("globex").Should().Be(0);
        corrected.Output.Should().NotContain(l => l.Contains("real-secret-of", StringComparison.Ordinal) || l.Contains("intake-acme", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tenant_no_longer_configured_is_stopped_at_the_next_start_and_its_journal_kept()
    {
        await using var rig = await NodeRig.StartAsync(new Scenario { Clients = [Client("acme"), Client("globex")] });
        using (var node = rig.StartNode())
        {
            await rig.AwaitCompleteAsync(TimeSpan.FromMinutes(1), node);
            (await node.TerminateAsync(TimeSpan.FromSeconds(30))).Should().Be(0);
        }

        var callsBefore = rig.Simulator.Mimecast.Client("globex").Stats.SiemCalls;
        using var withoutGlobex = rig.StartNode(["acme"]);
        await withoutGlobex.WaitForOutputAsync("Tenant globex is neither in this node's configuration nor added through the admin API", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(6)); // longer than the poll interval: a running tenant would list again
        (await withoutGlobex.TerminateAsync(TimeSpan.FromSeconds(30))).Should().Be(0);

        rig.Simulator.Mimecast.Client("globex").Stats.SiemCalls.Should().Be(callsBefore, "a removed tenant does not pull");
        await using var journal = new SqliteConnection($"Data Source={Path.Combine(rig.Folder, "journal.db")};Mode=ReadOnly");
        await journal.OpenAsync();
        await using var count = new SqliteCommand("SELECT count(*) FROM journal WHERE persistence_id = 'tenant-globex'", journal);
        ((long)(await count.ExecuteScalarAsync())!).Should().BePositive("its state is kept for when it comes back");

        // No secret in clear anywhere in the journal or the snapshots: only fingerprints.
        foreach (var table in new[] { "journal", "snapshot" })
        {
            await using var rows = new SqliteCommand($"SELECT * FROM {table}", journal);
            await using var reader = await rows.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var column = 0; column < reader.FieldCount; column++)
                {
                    var text = reader.GetValue(column) switch { byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes), var value => value.ToString() ?? "" };
                    text.Should().NotContain("real-secret-of", $"{table}.{reader.GetName(column)} holds no client secret")
                        .And.NotContain(ScenarioFile.IntakeKeyOf("acme"), "nor an intake key").And.NotContain(ScenarioFile.IntakeKeyOf("globex"));
                }
            }
        }
    }

    [Fact]
    public async Task A_replay_from_a_date_sends_the_stream_again_and_a_date_outside_retention_is_refused()
    {
        await using var rig = await NodeRig.StartAsync(new Scenario { Clients = [Client("acme")] });
        rig.NodeSettings["Admin"] = new System.Text.Json.Nodes.JsonObject { ["Urls"] = "http://127.0.0.1:0", ["Token"] = "replay-test-token" };
        using var node = rig.StartNode();
        await rig.AwaitCompleteAsync(TimeSpan.FromMinutes(1), node);
        var intake = rig.Simulator.Intake.Record(ScenarioFile.IntakeKeyOf("acme"));
        var published = rig.Simulator.Mimecast.PublishedIdentities("acme").Count;
        intake.Stats.Duplicates.Should().Be(0);

        using var http = new HttpClient { BaseAddress = await node.AdminUrlAsync(TimeSpan.FromSeconds(5)) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "replay-test-token");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var tooOld = await http.PostAsJsonAsync(new Uri("/api/tenants/acme/replay", UriKind.Relative), new { from = today.AddDays(-10) });
        tooOld.StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest);
        (await tooOld.Content.ReadAsStringAsync()).Should().Contain("outside the 7 days");

        var replay = await http.PostAsJsonAsync(new Uri("/api/tenants/acme/replay", UriKind.Relative), new { from = today.AddDays(-1), stream = "receipt" });
        replay.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, await replay.Content.ReadAsStringAsync());

        // Every receipt event arrives a second time; the other stream is not touched.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (intake.Stats.Duplicates < published / 2 && DateTime.UtcNow < until)
        {
            await Task.Delay(200);
        }

        await Task.Delay(1_000);
        intake.Stats.Duplicates.Should().Be(published / 2, "the receipt stream (half of the events) is sent again from yesterday, and only it");
    }

    [Theory]
    [InlineData("--tenants", "-1", "--tenants must be at least 1.")]
    [InlineData("--duration", "-00:00:05", "--duration must be positive.")]
    [InlineData("--progress-every", "00:00:00", "--progress-every must be at least 00:00:00.1.")]
    public async Task A_demo_option_out_of_range_is_refused_before_anything_starts(string option, string value, string problem)
    {
        var folder = Directory.CreateTempSubdirectory("mimecast-demo-").FullName;

        using var demo = NodeProcess.Start(folder, "demo", option, value);
        var code = await demo.WaitForExitAsync(TimeSpan.FromSeconds(30));

        code.Should().Be(1);
        var output = string.Join('\n', demo.Output);
        output.Should().Contain(problem).And.NotContain("   at ", "no stack trace").And.NotContain("Node journal:", "nothing started");
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_cluster_port_in_use_stops_the_start_with_one_line_that_names_it()
    {
        var folder = Directory.CreateTempSubdirectory("mimecast-port-").FullName;
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var file = Path.Combine(folder, "node.json");
        await File.WriteAllTextAsync(file, $$"""
            { "Cluster": { "Port": {{port}} }, "Admin": { "Urls": "http://127.0.0.1:0" }, "Secrets": { "Key": "{{MimecastActors.Domain.SecretBox.NewKey()}}" },
              "Persistence": { "ConnectionString": "Data Source={{Path.Combine(folder, "node.db")}}" } }
            """);

        using var node = NodeProcess.Run(folder, file);
        var code = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));

        code.Should().Be(1);
        var output = string.Join('\n', node.Output);
        // Akka's own log line about the failed bind carries its exception; what the node says last is one plain line.
        output.Should().Contain($"mimecast-actors: the node could not start: Cluster.Port {port} on 127.0.0.1 cannot be bound: Address already in use")
            .And.NotContain("Unhandled exception");
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task An_invalid_configuration_stops_the_start_with_one_clear_line_per_problem()
    {
        var folder = Directory.CreateTempSubdirectory("mimecast-config-").FullName;
        var file = Path.Combine(folder, "bad.json");
        await File.WriteAllTextAsync(file, """
            { "Persistence": { "Provider": "Oracle" },
              "Tenants": [ { "Id": "acme", "Mimecast": { "ClientId": "c", "PageSize": 0 }, "Intake": { "IntakeKey": "k" } } ] }
            """);

        using var node = NodeProcess.Run(folder, file);
        var code = await node.WaitForExitAsync(TimeSpan.FromSeconds(30));

        code.Should().Be(2);
        var output = string.Join('\n', node.Output);
        output.Should().Contain("the node does not start")
            .And.Contain("Persistence.Provider `Oracle` is unknown")
            .And.Contain("Tenants[0] (acme): Mimecast.ClientSecret is missing")
            .And.Contain("Tenants[0] (acme): Mimecast.PageSize 0 must be between 1 and 100")
            .And.NotContain("   at ", "no stack trace");
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_journal_file_that_cannot_be_created_stops_the_start_with_one_clear_line()
    {
        var folder = Directory.CreateTempSubdirectory("mimecast-journal-").FullName;
        var blocker = Path.Combine(folder, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "a file where the journal's folder should be");
        var file = Path.Combine(folder, "node.json");
        await File.WriteAllTextAsync(file, new JsonObject
        {
            ["Cluster"] = new JsonObject { ["Hostname"] = "127.0.0.1", ["Port"] = NodeRig.FreePort() },
            ["Admin"] = new JsonObject { ["Urls"] = "http://127.0.0.1:0" },
            ["Persistence"] = new JsonObject { ["ConnectionString"] = $"Data Source={Path.Combine(blocker, "node.db")}" },
            ["Secrets"] = new JsonObject { ["Key"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) },
        }.ToJsonString());

        using var node = NodeProcess.Run(folder, file);
        var code = await node.WaitForExitAsync(TimeSpan.FromSeconds(30));

        code.Should().Be(1);
        string.Join('\n', node.Output).Should().Contain("mimecast-actors: the node could not start:")
            .And.NotContain("   at ", "no stack trace");
        Directory.Delete(folder, recursive: true);
    }
}
