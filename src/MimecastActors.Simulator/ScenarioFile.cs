using System.Text;
using System.Text.Json;

namespace MimecastActors.Simulator;

/// <summary>Reading a scenario from JSON, the default scenario of the executable, and what it prints for a puller.</summary>
public static class ScenarioFile
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
    };

    public static Scenario Read(string path)
    {
        var scenario = JsonSerializer.Deserialize<Scenario>(File.ReadAllText(path), Options)
            ?? throw new InvalidDataException("the file holds no scenario");
        foreach (var client in scenario.Clients)
        {
            if (client.EventTypes.FirstOrDefault(t => !SiemEventTypes.All.Contains(t)) is { } bad)
            {
                throw new InvalidDataException($"client '{client.ClientId}' lists unknown event type '{bad}'; known: {string.Join(", ", SiemEventTypes.All)}");
            }
        }

        return scenario;
    }

    /// <summary>Tenants `tenant-1..n`, each with its own intake key `intake-tenant-i`.</summary>
    public static Scenario Generated(int clients, int backlogFiles, int eventsPerFile, TimeSpan publishInterval, RateLimitScenario rateLimit)
    {
        var list = Enumerable.Range(1, clients).Select(i => new ClientScenario
        {
            ClientId = $"tenant-{i}",
            ClientSecret = $"secret-tenant-{i}",
            AccountId = $"CUS{i:D5}",
            BacklogFiles = backlogFiles,
            EventsPerFile = eventsPerFile,
            PublishInterval = publishInterval,
            RateLimit = rateLimit,
        }).ToList();
        return new Scenario { Clients = list, IntakeKeys = list.Select(c => IntakeKeyOf(c.ClientId)).ToList() };
    }

    public static string IntakeKeyOf(string clientId) => $"intake-{clientId}";

    public static string ConnectionTable(SimulatorServer server, Scenario scenario)
    {
        var text = new StringBuilder()
            .AppendLine($"mimecast-simulator listening on {server.BaseUrl} (Ctrl-C to stop)")
            .AppendLine($"  Mimecast base URL : {server.MimecastUrl}")
            .AppendLine($"  Sekoia intake URL : {server.IntakeUrl}  (POST /batch)")
            .AppendLine($"  introspection     : {server.BaseUrl}simulator/clients/<client id>, {server.BaseUrl}simulator/intakes/<intake key>")
            .AppendLine("  clients:");
        foreach (var c in scenario.Clients)
        {
            text.AppendLine($"    {c.ClientId,-16} client_secret={c.ClientSecret}  types={c.EventTypes.Count}  backlog={c.BacklogFiles} files x {c.EventsPerFile} events/type  budget={c.RateLimit.Calls}/{c.RateLimit.Window}");
        }

        text.AppendLine($"  intake keys: {string.Join(", ", scenario.IntakeKeys)}");
        return text.ToString();
    }

    public static string ConnectionJson(SimulatorServer server, Scenario scenario) =>
        JsonSerializer.Serialize(new
        {
            baseUrl = server.BaseUrl,
            mimecastUrl = server.MimecastUrl,
            intakeUrl = server.IntakeUrl,
            clients = scenario.Clients.Select(c => new { c.ClientId, c.ClientSecret }),
            intakeKeys = scenario.IntakeKeys,
        }, CompactOptions);

    private static readonly JsonSerializerOptions CompactOptions = new(JsonSerializerDefaults.Web);
}
