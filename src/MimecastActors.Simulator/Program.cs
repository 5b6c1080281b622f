using System.CommandLine;
using System.Text.Json;

using MimecastActors.Simulator;

var scenarioOption = new Option<FileInfo?>("--scenario") { Description = "A JSON scenario file (see README): clients, backlog, publish rate, quirks, intake keys." };
var portOption = new Option<int?>("--port") { Description = "Port on 127.0.0.1 (default: the scenario's, else 9120; 0 picks a free one)." };
var seedOption = new Option<int?>("--seed") { Description = "Seed of the generated data (default 1)." };
var clientsOption = new Option<int>("--clients") { Description = "Without a scenario file: how many tenants to simulate.", DefaultValueFactory = _ => 3 };
var backlogOption = new Option<int>("--backlog-files") { Description = "Without a scenario file: files of each type already published.", DefaultValueFactory = _ => 10 };
var eventsOption = new Option<int>("--events-per-file") { Description = "Without a scenario file: events in each file.", DefaultValueFactory = _ => 100 };
var intervalOption = new Option<TimeSpan>("--publish-interval") { Description = "Without a scenario file: a new file of each type every interval (0: backlog only).", DefaultValueFactory = _ => TimeSpan.FromSeconds(30) };
var callsOption = new Option<int>("--rate-limit-calls") { Description = "Without a scenario file: listing calls allowed per window.", DefaultValueFactory = _ => 50 };
var windowOption = new Option<TimeSpan>("--rate-limit-window") { Description = "Without a scenario file: the rate-limit window.", DefaultValueFactory = _ => TimeSpan.FromMinutes(15) };
var jsonOption = new Option<bool>("--json") { Description = "Print the connection details as one JSON line instead of a table." };

var root = new RootCommand("A fake Mimecast API 2.0 (SIEM batch endpoint) and a fake Sekoia.io intake on 127.0.0.1, for trying and testing a puller without real credentials.")
{
    scenarioOption, portOption, seedOption, clientsOption, backlogOption, eventsOption, intervalOption, callsOption, windowOption, jsonOption,
};

root.SetAction(async (parse, cancel) =>
{
    Scenario scenario;
    if (parse.GetValue(scenarioOption) is { } file)
    {
        try
        {
            scenario = ScenarioFile.Read(file.FullName);
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidDataException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"mimecast-simulator: cannot read scenario {file.FullName}: {e.Message}");
            return 2;
        }
    }
    else
    {
        scenario = ScenarioFile.Generated(
            parse.GetValue(clientsOption), parse.GetValue(backlogOption), parse.GetValue(eventsOption), parse.GetValue(intervalOption),
            new RateLimitScenario { Calls = parse.GetValue(callsOption), Window = parse.GetValue(windowOption), SendRetryAfter = true });
    }

    scenario = scenario with
    {
        Port = parse.GetValue(portOption) ?? (parse.GetValue(scenarioOption) is null ? 9120 : scenario.Port),
        Seed = parse.GetValue(seedOption) ?? scenario.Seed,
    };

    await using var server = await SimulatorServer.StartAsync(scenario, cancel: cancel);
    Console.WriteLine(parse.GetValue(jsonOption) ? ScenarioFile.ConnectionJson(server, scenario) : ScenarioFile.ConnectionTable(server, scenario));
    try
    {
        await Task.Delay(Timeout.Infinite, cancel);
    }
    catch (OperationCanceledException)
    {
        // Ctrl-C or SIGTERM: stop cleanly.
    }

    return 0;
});

return await root.Parse(args).InvokeAsync();
