using System.Globalization;

using Akka.Hosting;

using MimecastActors.Actors;
using MimecastActors.Simulator;

namespace MimecastActors.Host;

/// <summary>
/// The product in one command: the simulator in-process (fake Mimecast and fake intake) with a few tenants and a
/// backlog, a node on a SQLite file under a data folder, and progress lines until Ctrl-C or the duration.
/// </summary>
public static class DemoCommand
{
    public sealed record Options(string DataFolder, int Tenants, int BacklogFiles, int EventsPerFile, TimeSpan? Duration, TimeSpan Every, int SimulatorPort);

    public static async Task<int> RunAsync(Options options, string[] args)
    {
        // The simulator is new at each run, so yesterday's cursors mean nothing to it: the demo starts from an empty file.
        var data = Path.GetFullPath(options.DataFolder);
        var database = Path.Combine(data, "mimecast-actors.db");
        var rejected = Path.Combine(data, "rejected");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var stale in new[] { database, database + "-wal", database + "-shm" }.Where(File.Exists))
        {
            File.Delete(stale);
        }

        if (Directory.Exists(rejected))
        {
            Directory.Delete(rejected, recursive: true);
        }

        var scenario = ScenarioFile.Generated(
            options.Tenants, options.BacklogFiles, options.EventsPerFile, TimeSpan.FromSeconds(30),
            new RateLimitScenario { Calls = 50, Window = TimeSpan.FromMinutes(15), SendRetryAfter = true }) with
        { Port = options.SimulatorPort };
        await using var simulator = await SimulatorServer.StartAsync(scenario);
        Console.WriteLine(ScenarioFile.ConnectionTable(simulator, scenario));
        Console.WriteLine($"Node journal: {database}");
        Console.WriteLine($"Rejected lines: {rejected}{Path.DirectorySeparatorChar}<tenant>.rejected.ndjson");
        Console.WriteLine();

        // The admin API's token is made for this run and kept in a file, never printed.
        Directory.CreateDirectory(data);
        var tokenFile = Path.Combine(data, "admin-token");
        var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await File.WriteAllTextAsync(tokenFile, token);
        Console.WriteLine($"Admin API token: in {tokenFile} (mimecastctl --token-file {tokenFile})");

        var settings = new Dictionary<string, string?>
        {
            ["Admin:Token"] = token,
            ["Secrets:Key"] = MimecastActors.Domain.SecretBox.NewKey(), // the demo's journal starts afresh each run: so may its key
            ["Persistence:Provider"] = "Sqlite",
            ["Persistence:ConnectionString"] = $"Data Source={database}",
            ["RejectedLines:Folder"] = rejected,
        };
        SimulatorTenants.AddTo(settings, simulator, scenario, pollInterval: TimeSpan.FromSeconds(30)); // the simulator publishes every 30 s

        var code = await NodeCommand.RunAsync(args, file: null, settings, options.Duration, (app, cancel) => TenantProgress.Report(
            app.Services.GetRequiredService<ActorRegistry>(), app.Services.GetRequiredService<StaticTenantDirectory>(), TimeProvider.System,
            options.Every, Console.Out, cancel));

        Console.WriteLine();
        Console.WriteLine("What the simulated intake received:");
        foreach (var client in scenario.Clients)
        {
            var published = simulator.Mimecast.PublishedIdentities(client.ClientId).Count;
            var stats = simulator.Intake.Record(ScenarioFile.IntakeKeyOf(client.ClientId)).Stats;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {client.ClientId,-12} {stats.Unique,10:N0} of {published:N0} published events, {stats.Duplicates:N0} duplicates, most calls in any window {simulator.Mimecast.Client(client.ClientId).Stats.MaxCallsInAnyWindow}/{client.RateLimit.Calls}"));
        }

        return code;
    }
}
