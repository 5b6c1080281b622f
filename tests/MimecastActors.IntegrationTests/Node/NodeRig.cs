using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using Microsoft.Data.Sqlite;

using MimecastActors.Simulator;

namespace MimecastActors.IntegrationTests.Node;

/// <summary>
/// A simulator on 127.0.0.1 and a folder for a node: writes the node's configuration for the simulator's tenants,
/// starts the real executable, and tells when every published event reached the intake.
/// </summary>
public sealed class NodeRig : IAsyncDisposable
{
    private readonly List<(string Name, NodeProcess Process)> _nodes = [];

    private NodeRig(SimulatorServer simulator, Scenario scenario, string folder)
    {
        Simulator = simulator;
        Scenario = scenario;
        Folder = folder;
    }

    public SimulatorServer Simulator { get; }

    public Scenario Scenario { get; }

    public string Folder { get; }

    public string RejectedFolder => Path.Combine(Folder, "rejected");

    /// <summary>Persistence of the nodes: the SQLite file in <see cref="Folder"/> unless a PostgreSQL database is given.</summary>
    public string? PostgreSql { get; init; }

    /// <summary>The nodes' Secrets.Key: the same for every node of the rig and across its restarts, as in a real cluster.</summary>
    public string SecretsKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>Added to every tenant's `Mimecast` section (page size, poll interval, types grouped…).</summary>
    public Dictionary<string, JsonNode> MimecastSettings { get; } = [];

    /// <summary>Top-level sections replaced or added (Forwarding, Retry…).</summary>
    public Dictionary<string, JsonNode> NodeSettings { get; } = [];

    public static async Task<NodeRig> StartAsync(Scenario scenario, string? postgreSql = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"mimecast-node-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        scenario = scenario with { IntakeKeys = [.. scenario.IntakeKeys.Union(scenario.Clients.Select(c => ScenarioFile.IntakeKeyOf(c.ClientId)))] };
        return new NodeRig(await SimulatorServer.StartAsync(scenario), scenario, folder) { PostgreSql = postgreSql };
    }

    /// <summary>Writes the configuration file (again, with a new cluster port) and starts a node on it.</summary>
    public NodeProcess StartNode(IEnumerable<string>? tenants = null) => StartNode(Configuration(tenants));

    public NodeProcess StartNode(JsonObject configuration, string name = "node")
    {
        var file = Path.Combine(Folder, $"{name}.json");
        File.WriteAllText(file, configuration.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var node = NodeProcess.Run(Folder, file);
        _nodes.Add((name, node));
        return node;
    }

    public JsonObject Configuration(IEnumerable<string>? tenants = null)
    {
        var wanted = tenants?.ToHashSet(StringComparer.Ordinal);
        var list = new JsonArray();
        foreach (var client in Scenario.Clients.Where(c => wanted is null || wanted.Contains(c.ClientId)))
        {
            var mimecast = new JsonObject
            {
                ["BaseUrl"] = Simulator.MimecastUrl.ToString(),
                ["ClientId"] = client.ClientId,
                ["ClientSecret"] = client.ClientSecret,
                ["EventTypes"] = new JsonArray([.. client.EventTypes.Select(t => JsonValue.Create(t))]),
                ["PollInterval"] = "00:00:05",
                ["RateLimit"] = new JsonObject { ["Calls"] = client.RateLimit.Calls, ["Window"] = client.RateLimit.Window.ToString("c") },
            };
            foreach (var (key, value) in MimecastSettings)
            {
                mimecast[key] = value.DeepClone();
            }

            list.Add(new JsonObject
            {
                ["Id"] = client.ClientId,
                ["Mimecast"] = mimecast,
                ["Intake"] = new JsonObject { ["Url"] = Simulator.IntakeUrl.ToString(), ["IntakeKey"] = ScenarioFile.IntakeKeyOf(client.ClientId) },
            });
        }

        var configuration = new JsonObject
        {
            ["Cluster"] = new JsonObject { ["Hostname"] = "127.0.0.1", ["Port"] = FreePort() },
            ["Admin"] = new JsonObject { ["Urls"] = "http://127.0.0.1:0" },
            ["Persistence"] = PostgreSql is null
                ? new JsonObject { ["Provider"] = "Sqlite", ["ConnectionString"] = $"Data Source={Path.Combine(Folder, "journal.db")}" }
                : new JsonObject { ["Provider"] = "PostgreSql", ["ConnectionString"] = PostgreSql },
            ["RejectedLines"] = new JsonObject { [nameof(Folder)] = RejectedFolder },
            ["Retry"] = new JsonObject { ["MinBackoff"] = "00:00:00.100", ["MaxBackoff"] = "00:00:02" },
            ["Secrets"] = new JsonObject { ["Key"] = SecretsKey },
            ["Tenants"] = list,
        };
        foreach (var (key, value) in NodeSettings)
        {
            configuration[key] = value.DeepClone();
        }

        return configuration;
    }

    /// <summary>Waits until every published event of every client reached its intake; on timeout, says what is missing.</summary>
    public async Task AwaitCompleteAsync(TimeSpan within, NodeProcess? node = null)
    {
        var until = DateTime.UtcNow + within;
        while (true)
        {
            var missing = Scenario.Clients
                .Select(c => (c.ClientId, Missing: Simulator.Mimecast.PublishedIdentities(c.ClientId).Except(Simulator.Intake.Record(ScenarioFile.IntakeKeyOf(c.ClientId)).Identities).Count()))
                .Where(m => m.Missing > 0)
                .ToList();
            if (missing.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > until || node?.HasExited == true)
            {
                throw new Xunit.Sdk.XunitException(
                    $"not delivered within {within}: {string.Join(", ", missing.Select(m => $"{m.ClientId} misses {m.Missing}"))}" +
                    (node is null ? "" : $"; node {(node.HasExited ? "exited" : "running")}, last output:{Environment.NewLine}{node.Tail()}") +
                    ClusterStories(node));
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Lines that tell how a cluster formed and changed: who led, who was marked or downed, where singletons went.</summary>
    private static readonly string[] ClusterStory =
        [" ERR] ", "Leader is", "Marking", "SBR took decision", "ClusterSingletonManager state change", "ShardCoordinator was moved"];

    /// <summary>
    /// Every node's cluster story, and the last lines of the nodes not watched: in a cluster the node that stalls is
    /// often not the one watched (the shard coordinator and the tenant registry live on the oldest).
    /// </summary>
    private string ClusterStories(NodeProcess? watched)
    {
        var text = new StringBuilder();
        foreach (var (name, process) in _nodes.Count > 1 ? _nodes : [])
        {
            var story = process.Output.Where(l => ClusterStory.Any(marker => l.Contains(marker, StringComparison.Ordinal))).TakeLast(20);
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"--- {name} (pid {process.Id}{(process.HasExited ? ", exited" : "")}), its cluster story:")
                .AppendJoin(Environment.NewLine, story);
            if (process != watched && !process.HasExited)
            {
                text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"--- {name}, last output:").Append(process.Tail(15));
            }
        }

        return text.ToString();
    }

    /// <summary>Every event at the intake was published (nothing invented), and how many arrived more than once.</summary>
    public long Duplicates(string clientId) => Simulator.Intake.Record(ScenarioFile.IntakeKeyOf(clientId)).Stats.Duplicates;

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, node) in _nodes)
        {
            node.Dispose();
        }

        KeepLogs();

        await Simulator.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process: the OS cleans temp folders.
        }
    }

    /// <summary>With MIMECAST_NODE_LOGS set to a folder, every node's whole output is written there (one file per process).</summary>
    private void KeepLogs()
    {
        if (Environment.GetEnvironmentVariable("MIMECAST_NODE_LOGS") is not { Length: > 0 } logs)
        {
            return;
        }

        var run = Path.Combine(logs, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Path.GetFileName(Folder)}");
        Directory.CreateDirectory(run);
        for (var i = 0; i < _nodes.Count; i++)
        {
            File.WriteAllLines(Path.Combine(run, $"{i + 1:D2}-{_nodes[i].Name}.log"), _nodes[i].Process.Output);
        }
    }

    /// <summary>
    /// A port free now, below Linux's ephemeral range (32768–60999): a port the OS hands out for "any port" is also
    /// one it may give to an outgoing connection's source before the node binds it, and a seed node that cannot bind
    /// leaves the others waiting to join (seen once in a full run: a node not in the cluster after 60 s).
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> HandedOut = new();

    public static int FreePort()
    {
        while (true)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            if (!HandedOut.TryAdd(port, 0))
            {
                continue; // never the same port twice in one test run
            }

            using var listener = new TcpListener(IPAddress.Loopback, port);
            try
            {
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }
    }
}
