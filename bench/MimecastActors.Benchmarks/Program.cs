using System.CommandLine;

using MimecastActors.Benchmarks;

var files = new Option<int>("--files") { Description = "Batch files to serve.", DefaultValueFactory = _ => 200 };
var events = new Option<int>("--events-per-file") { Description = "Events in each file.", DefaultValueFactory = _ => 5_000 };
var parallel = new Option<int>("--parallel") { Description = "Concurrent HTTP requests.", DefaultValueFactory = _ => 4 };

var simulator = new Command("simulator", "Blob serving and intake throughput of the simulator over loopback, against an in-memory baseline.") { files, events, parallel };
simulator.SetAction(parse => SimulatorThroughput.RunAsync(parse.GetValue(files), parse.GetValue(events), parse.GetValue(parallel)));

var root = new RootCommand("MimecastActors benchmarks: run on demand, print figures (never part of the test suite).") { simulator };
return await root.Parse(args).InvokeAsync();
