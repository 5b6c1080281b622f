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

var root = new RootCommand("MimecastActors benchmarks: run on demand, print figures (never part of the test suite).") { simulator, blobReader, intake };
return await root.Parse(args).InvokeAsync();
