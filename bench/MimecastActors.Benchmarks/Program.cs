using System.CommandLine;

using MimecastActors.Benchmarks;

var files = new Option<int>("--files") { Description = "Batch files to serve.", DefaultValueFactory = _ => 200 };
var events = new Option<int>("--events-per-file") { Description = "Events in each file.", DefaultValueFactory = _ => 5_000 };
var parallel = new Option<int>("--parallel") { Description = "Concurrent HTTP requests.", DefaultValueFactory = _ => 4 };

var simulator = new Command("simulator", "Blob serving and intake throughput of the simulator over loopback, against an in-memory baseline.") { files, events, parallel };
simulator.SetAction(parse => SimulatorThroughput.RunAsync(parse.GetValue(files), parse.GetValue(events), parse.GetValue(parallel)));

var blobFiles = new Option<int>("--files") { Description = "Batch files to read.", DefaultValueFactory = _ => 4 };
var blobEvents = new Option<int>("--events-per-file") { Description = "Events in each file.", DefaultValueFactory = _ => 200_000 };
var rounds = new Option<int>("--rounds") { Description = "Rounds; the best is reported.", DefaultValueFactory = _ => 5 };
var blobReader = new Command("blob-reader", "The Mimecast batch file reader over HTTP against a bare GZipStream loop on the same files.") { blobFiles, blobEvents, rounds };
blobReader.SetAction(parse => BlobReaderThroughput.RunAsync(parse.GetValue(blobFiles), parse.GetValue(blobEvents), parse.GetValue(rounds)));

var intakeEvents = new Option<int>("--events") { Description = "Events to send.", DefaultValueFactory = _ => 300_000 };
var intakeParallel = new Option<int>("--parallel") { Description = "Concurrent requests.", DefaultValueFactory = _ => 4 };
var intake = new Command("intake", "The Sekoia intake client into the simulator's intake, gzip on and off, with peak memory.") { intakeEvents, intakeParallel };
intake.SetAction(parse => IntakeClientThroughput.RunAsync(parse.GetValue(intakeEvents), parse.GetValue(intakeParallel)));

var journalTenants = new Option<int>("--tenants") { Description = "Persistent actors writing at once.", DefaultValueFactory = _ => 100 };
var journalEvents = new Option<int>("--events") { Description = "Events each actor writes, one after the other.", DefaultValueFactory = _ => 30 };
var journalRounds = new Option<int>("--rounds") { Description = "Rounds; the best is reported.", DefaultValueFactory = _ => 3 };
var journalHocon = new Option<string>("--hocon") { Description = "HOCON over the node's journal settings, to try one (e.g. \"akka.persistence.journal.sql.parallelism = 2\")." };
var journal = new Command("journal", "The node's journal (Akka.Persistence.Sql on SQLite) written as tenants write it, against one-transaction inserts through Microsoft.Data.Sqlite.")
{
    journalTenants, journalEvents, journalRounds, journalHocon,
};
journal.SetAction(parse => JournalThroughput.RunAsync(parse.GetValue(journalTenants), parse.GetValue(journalEvents), parse.GetValue(journalRounds), parse.GetValue(journalHocon)));

var e2eFiles = new Option<int>("--backlog-files") { Description = "One-tenant run: backlog files of each of the ten types (0 skips the run).", DefaultValueFactory = _ => 20 };
var e2eEvents = new Option<int>("--events-per-file") { Description = "One-tenant run: events in each file.", DefaultValueFactory = _ => 5_000 };
var e2eTenants = new Option<int>("--tenants") { Description = "Many-tenant run: tenants (0 skips the run).", DefaultValueFactory = _ => 100 };
var e2eTenantFiles = new Option<int>("--tenant-backlog-files") { Description = "Many-tenant run: backlog files of each type per tenant.", DefaultValueFactory = _ => 2 };
var e2eTenantEvents = new Option<int>("--tenant-events-per-file") { Description = "Many-tenant run: events in each file.", DefaultValueFactory = _ => 500 };
var e2ePoll = new Option<TimeSpan>("--poll-interval") { Description = "Tenants' poll interval (it only matters once a stream is caught up).", DefaultValueFactory = _ => TimeSpan.FromSeconds(30) };
var e2eCalls = new Option<int>("--calls") { Description = "Listing calls per 15 minutes, in the simulator and the tenants' configuration.", DefaultValueFactory = _ => 1_000 };
var e2eGroup = new Option<bool>("--group-event-types") { Description = "Fetch each tenant's ten types as one stream (Mimecast.GroupEventTypes)." };
var e2eRounds = new Option<int>("--baseline-rounds") { Description = "Rounds of the baseline; the best is reported.", DefaultValueFactory = _ => 3 };
var e2eEvery = new Option<TimeSpan>("--progress-every") { Description = "Time between progress lines.", DefaultValueFactory = _ => TimeSpan.FromSeconds(5) };
var e2eLatency = new Option<TimeSpan>("--intake-latency") { Description = "Added to every intake response, as a network would (the simulator's own intake answers at once).", DefaultValueFactory = _ => TimeSpan.Zero };
var e2eTimeout = new Option<TimeSpan>("--timeout") { Description = "Give up a run after this long.", DefaultValueFactory = _ => TimeSpan.FromMinutes(15) };
var endToEnd = new Command("end-to-end", "The real node (child process, SQLite) from the simulated Mimecast API to the simulated intake, one tenant then many: events/s, peak memory, against gunzip + split + gzip of the same files.")
{
    e2eFiles, e2eEvents, e2eTenants, e2eTenantFiles, e2eTenantEvents, e2ePoll, e2eCalls, e2eGroup, e2eRounds, e2eEvery, e2eTimeout, e2eLatency,
};
endToEnd.SetAction((parse, _) => EndToEndThroughput.RunAsync(new EndToEndThroughput.Options(
    parse.GetValue(e2eFiles), parse.GetValue(e2eEvents), parse.GetValue(e2eTenants), parse.GetValue(e2eTenantFiles), parse.GetValue(e2eTenantEvents),
    parse.GetValue(e2ePoll), parse.GetValue(e2eCalls), parse.GetValue(e2eGroup), parse.GetValue(e2eRounds), parse.GetValue(e2eEvery), parse.GetValue(e2eTimeout), parse.GetValue(e2eLatency))));

var nodeSettings = new Option<FileInfo>("--settings") { Description = "JSON object of flat configuration keys.", Required = true };
var endToEndNode = new Command("end-to-end-node", "The node process of end-to-end (started by it).") { nodeSettings };
endToEndNode.Hidden = true;
endToEndNode.SetAction((parse, _) => EndToEndNode.RunAsync(parse.GetValue(nodeSettings)!));

var root = new RootCommand("MimecastActors benchmarks: run on demand, print figures (never part of the test suite).") { simulator, blobReader, intake, journal, endToEnd, endToEndNode };
return await root.Parse(args).InvokeAsync();
