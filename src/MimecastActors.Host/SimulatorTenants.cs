using System.Globalization;

using MimecastActors.Simulator;

namespace MimecastActors.Host;

/// <summary>The configuration keys that point a node's tenants at a simulator's clients (the demo and the benchmarks).</summary>
public static class SimulatorTenants
{
    public static void AddTo(IDictionary<string, string?> settings, SimulatorServer simulator, Scenario scenario, TimeSpan pollInterval)
    {
        for (var i = 0; i < scenario.Clients.Count; i++)
        {
            var client = scenario.Clients[i];
            settings[$"Tenants:{i}:Id"] = client.ClientId;
            settings[$"Tenants:{i}:Mimecast:BaseUrl"] = simulator.MimecastUrl.ToString();
            settings[$"Tenants:{i}:Mimecast:ClientId"] = client.ClientId;
            settings[$"Tenants:{i}:Mimecast:ClientSecret"] = client.ClientSecret;
            settings[$"Tenants:{i}:Mimecast:PollInterval"] = pollInterval.ToString("c", CultureInfo.InvariantCulture);
            settings[$"Tenants:{i}:Intake:Url"] = simulator.IntakeUrl.ToString();
            settings[$"Tenants:{i}:Intake:IntakeKey"] = ScenarioFile.IntakeKeyOf(client.ClientId);
        }
    }
}
