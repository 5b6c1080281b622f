using System.CommandLine;

using MimecastActors.Host;

var configOption = new Option<FileInfo?>("--config") { Description = "A JSON configuration file (keys: see README, Configuration)." };
var run = new Command("run", "Start a node. Settings come from appsettings.json, --config FILE, environment variables (Cluster__Port) and --Key:Sub=value arguments.")
{
    configOption,
};
run.TreatUnmatchedTokensAsErrors = false;
run.SetAction((parse, _) => NodeCommand.RunAsync([.. parse.UnmatchedTokens], parse.GetValue(configOption), defaults: null, duration: null));

var dataOption = new Option<string>("--data") { Description = "Folder of the demo's SQLite journal and rejected lines (emptied at start).", DefaultValueFactory = _ => "data/demo" };
var tenantsOption = new Option<int>("--tenants") { Description = "Simulated tenants.", DefaultValueFactory = _ => 3 };
var backlogOption = new Option<int>("--backlog-files") { Description = "Files of each of the ten types already published per tenant.", DefaultValueFactory = _ => 10 };
var eventsOption = new Option<int>("--events-per-file") { Description = "Events in each file.", DefaultValueFactory = _ => 1_000 };
var durationOption = new Option<TimeSpan?>("--duration") { Description = "Stop after this long (e.g. 00:01:00); default: until Ctrl-C." };
var everyOption = new Option<TimeSpan>("--progress-every") { Description = "Time between progress lines.", DefaultValueFactory = _ => TimeSpan.FromSeconds(5) };
var simulatorPortOption = new Option<int>("--simulator-port") { Description = "Port of the in-process simulator on 127.0.0.1 (0: any free port).", DefaultValueFactory = _ => 0 };
// Checked when parsed: a negative count or duration failed deep in the run, a zero progress interval polled every tenant in a loop.
void AtLeast(Option<int> option, int least) => option.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int>() < least)
    {
        result.AddError($"{option.Name} must be at least {least}.");
    }
});
AtLeast(tenantsOption, 1);
AtLeast(backlogOption, 0);
AtLeast(eventsOption, 1);
AtLeast(simulatorPortOption, 0);
simulatorPortOption.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int>() > 65535)
    {
        result.AddError("--simulator-port must be a TCP port (0-65535).");
    }
});
durationOption.Validators.Add(result =>
{
    if (result.GetValueOrDefault<TimeSpan?>() is { } duration && duration <= TimeSpan.Zero)
    {
        result.AddError("--duration must be positive.");
    }
});
everyOption.Validators.Add(result =>
{
    if (result.GetValueOrDefault<TimeSpan>() < TimeSpan.FromMilliseconds(100))
    {
        result.AddError("--progress-every must be at least 00:00:00.1.");
    }
});
var demo = new Command("demo", "Run the simulator (fake Mimecast and Sekoia intake) and a node on SQLite, and print progress.")
{
    dataOption, tenantsOption, backlogOption, eventsOption, durationOption, everyOption, simulatorPortOption,
};
demo.TreatUnmatchedTokensAsErrors = false;
demo.SetAction((parse, _) => DemoCommand.RunAsync(
    new DemoCommand.Options(parse.GetValue(dataOption)!, parse.GetValue(tenantsOption), parse.GetValue(backlogOption), parse.GetValue(eventsOption),
        parse.GetValue(durationOption), parse.GetValue(everyOption), parse.GetValue(simulatorPortOption)),
    [.. parse.UnmatchedTokens]));

var root = new RootCommand("mimecast-actors: pulls Mimecast SIEM logs for many tenants and forwards them to Sekoia.io intakes, as an Akka.NET cluster.")
{
    run, demo,
};

// The .NET host handles Ctrl-C and SIGTERM itself (graceful leave); System.CommandLine must not kill the process meanwhile.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
