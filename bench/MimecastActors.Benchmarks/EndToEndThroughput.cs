using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Reflection.PortableExecutable;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text.Json;

using MimecastActors.Domain;
using MimecastActors.Sekoia;
using MimecastActors.Simulator;
using MimecastActors.Simulator.Mimecast;

namespace MimecastActors.Benchmarks;

/// <summary>
/// The product end to end: a backlog in the simulated Mimecast API, the real node (<c>MimecastNode.Build</c>, SQLite
/// journal, Akka cluster of one) pulling it, the simulated Sekoia intake receiving it; done when the intake has every
/// published event. The node runs in a child process (this executable, <c>end-to-end-node</c>) so that its peak
/// memory and CPU are its own; the simulator runs here, with the harness. The baseline, on the same files and in the
/// same run, is the bare pipeline on one thread: gunzip, split into lines, gzip again at the intake client's level.
/// </summary>
internal static class EndToEndThroughput
{
    private static readonly TimeSpan RateLimitWindow = TimeSpan.FromMinutes(15);

    /// <summary>user, nice, system, irq, softirq, steal: the busy columns of /proc/stat's first line.</summary>
    private static readonly int[] BusyFields = [1, 2, 3, 6, 7, 8];

    public sealed record Options(
        int BacklogFiles, int EventsPerFile, int Tenants, int TenantBacklogFiles, int TenantEventsPerFile, TimeSpan PollInterval, int Calls,
        bool GroupEventTypes, int BaselineRounds, TimeSpan ProgressEvery, TimeSpan Timeout, TimeSpan IntakeLatency);

    private sealed record Run(string Name, int Tenants, int BacklogFiles, int EventsPerFile);

    private sealed record Result(Run Run, long Events, double BaselineRate, double EndToEndRate, double SteadyRate, NodeSample? Node, double NodeCpu, bool Complete);

    public static async Task<int> RunAsync(Options options)
    {
        var types = SiemEventTypes.All.Count;
        Console.WriteLine($"end-to-end: simulated Mimecast API → node (child process, SQLite journal) → simulated Sekoia intake; " +
                          $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription.Trim()}, .NET {Environment.Version}, " +
                          $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9:N1} GB");
        Console.WriteLine($"  every tenant: all {types} event types as {(options.GroupEventTypes ? "one grouped stream" : $"{types} streams")}, poll interval {options.PollInterval} (a backlog is listed at once; the interval only spaces the polls of caught-up streams), " +
                          $"budget {options.Calls} calls per {RateLimitWindow.TotalMinutes:N0} min in the simulator and the tenant configuration — " +
                          "far above what the backlog needs, so this measures throughput, not the vendor's budget (the default 50 calls would be)");
        Console.WriteLine($"  node defaults: Forwarding.MaxChunksInFlight {new Host.ForwardingConfig().MaxChunksInFlight} per tenant, " +
                          $"MaxConcurrentIntakeRequests {new Host.ForwardingConfig().MaxConcurrentIntakeRequests}, intake gzip {new SekoiaIntakeOptions().CompressionLevel}; " +
                          "the simulator generates and caches every file before the clock starts" +
                          (options.IntakeLatency > TimeSpan.Zero ? $"; the intake answers each request after {options.IntakeLatency.TotalMilliseconds:N0} ms, as one across a network would" : ""));
        Console.WriteLine($"  node code: {CompiledCode()}");

        var runs = new List<Run>();
        if (options.BacklogFiles > 0 && options.EventsPerFile > 0)
        {
            runs.Add(new Run("one tenant", 1, options.BacklogFiles, options.EventsPerFile));
        }

        if (options.Tenants > 0 && options.TenantBacklogFiles > 0 && options.TenantEventsPerFile > 0)
        {
            runs.Add(new Run($"{options.Tenants} tenants", options.Tenants, options.TenantBacklogFiles, options.TenantEventsPerFile));
        }

        var results = new List<Result>();
        foreach (var run in runs)
        {
            Console.WriteLine();
            results.Add(await RunOne(run, options));

            // The run's simulator held every file it served, hundreds of megabytes: collected now, not by background
            // collections on the cores the next run's node needs.
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        Console.WriteLine();
        Console.WriteLine("summary:");
        Console.WriteLine($"  {"run",-12} {"events",11} {"end-to-end/s",13} {"steady/s",10} {"baseline/s",11} {"ratio",6} {"node peak WS",13} {"peak heap",10} {"node CPU s",11} {"events/CPU-s",13}");
        foreach (var r in results)
        {
            Console.WriteLine($"  {r.Run.Name,-12} {r.Events,11:N0} {r.EndToEndRate,13:N0} {r.SteadyRate,10:N0} {r.BaselineRate,11:N0} {r.EndToEndRate / r.BaselineRate,6:F2} " +
                              $"{Mb(r.Node?.PeakWorkingSet),13} {Mb(r.Node?.PeakHeap),10} {r.NodeCpu,11:N1} {r.Events / r.NodeCpu,13:N0}" +
                              (r.Complete ? "" : "  INCOMPLETE"));
        }

        // The goal holds for every run, the many small tenants as much as the large backlog; three decimals, so that
        // a ratio just under the goal does not print as 0.50.
        foreach (var r in results)
        {
            var ratio = r.EndToEndRate / r.BaselineRate;
            Console.WriteLine($"verdict: {r.Run.Name} end-to-end/baseline = {ratio:F3}, goal ≥ 0.5 {(ratio >= 0.5 ? "met" : "NOT met")}");
        }

        return results.All(r => r.Complete) ? 0 : 1;
    }

    private static async Task<Result> RunOne(Run run, Options options)
    {
        var rateLimit = new RateLimitScenario { Calls = options.Calls, Window = RateLimitWindow, SendRetryAfter = true };
        var measured = ScenarioFile.Generated(run.Tenants, run.BacklogFiles, run.EventsPerFile, TimeSpan.Zero, rateLimit);
        var warmUp = SimulatorWarmUp.Client(rateLimit);
        var served = measured with
        {
            Clients = [.. measured.Clients, warmUp],
            IntakeKeys = [.. measured.IntakeKeys, ScenarioFile.IntakeKeyOf(warmUp.ClientId)],
            BlobCacheBytes = 64L * 1024 * 1024 * 1024, // every file stays generated: the run measures the node, not the generator
            Intake = measured.Intake with { Latency = options.IntakeLatency },
        };
        await using var server = await SimulatorServer.StartAsync(served);
        var scenario = served with { Clients = measured.Clients, IntakeKeys = measured.IntakeKeys }; // what the node pulls and the figures count

        // The same files the node will read, generated (and cached by the simulator) before any clock starts.
        var generation = Stopwatch.StartNew();
        var files = new List<byte[]>();
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var now = server.Mimecast.Time.GetUtcNow();
        foreach (var client in scenario.Clients)
        {
            var simulated = server.Mimecast.Client(client.ClientId);
            foreach (var schedule in simulated.Schedules.Values)
            {
                for (var i = schedule.FirstIndexAtOrAfter(now - MimecastSimulator.Retention, now); i < schedule.PublishedCount(now); i++)
                {
                    files.Add(server.Mimecast.BatchFile(simulated, schedule.Type, i));
                }
            }

            expected[ScenarioFile.IntakeKeyOf(client.ClientId)] = server.Mimecast.PublishedIdentities(client.ClientId).Count;
        }

        var total = expected.Values.Sum();
        var compressed = files.Sum(f => (long)f.Length);
        Console.WriteLine($"{run.Name}: {run.Tenants} x {SiemEventTypes.All.Count} types x {run.BacklogFiles} files x {run.EventsPerFile:N0} events = {total:N0} events, " +
                          $"{files.Count:N0} files, {compressed / 1e6:N1} MB compressed (generated in {generation.Elapsed.TotalSeconds:N1} s)");

        var baseline = Baseline(files, options.BaselineRounds, total);
        files.Clear();
        var warmed = await SimulatorWarmUp.RunAsync(server, warmUp);
        Console.WriteLine($"  simulator warmed up: every endpoint once, for a tenant of its own ({warmed} events; not configured in the node, not counted)");

        var folder = Directory.CreateTempSubdirectory("mimecast-e2e-");
        try
        {
            return await Pull(run, options, server, scenario, expected, total, baseline, folder);
        }
        finally
        {
            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException e)
            {
                Console.WriteLine($"  (could not delete {folder.FullName}: {e.Message})");
            }
        }
    }

    /// <summary>Gunzip, split into lines, gzip each file's lines again at the intake client's level; one thread, best of the rounds.</summary>
    private static double Baseline(List<byte[]> files, int rounds, long total)
    {
        var level = new SekoiaIntakeOptions().CompressionLevel;
        using var decoded = new MemoryStream();
        using var packed = new MemoryStream();
        var best = TimeSpan.MaxValue;
        long packedBytes = 0, decodedBytes = 0;
        for (var round = 0; round < Math.Max(1, rounds); round++)
        {
            long lines = 0;
            packedBytes = decodedBytes = 0;
            var watch = Stopwatch.StartNew();
            foreach (var file in files)
            {
                decoded.SetLength(0);
                using (var unzip = new GZipStream(new MemoryStream(file, writable: false), CompressionMode.Decompress))
                {
                    unzip.CopyTo(decoded);
                }

                packed.SetLength(0);
                using (var zip = new GZipStream(packed, level, leaveOpen: true))
                {
                    var text = decoded.GetBuffer().AsSpan(0, (int)decoded.Length);
                    while (text.Length > 0)
                    {
                        var end = text.IndexOf((byte)'\n');
                        var line = end < 0 ? text : text[..end];
                        zip.Write(line);
                        zip.WriteByte((byte)'\n');
                        lines++;
                        text = end < 0 ? [] : text[(end + 1)..];
                    }
                }

                decodedBytes += decoded.Length;
                packedBytes += packed.Length;
            }

            watch.Stop();
            best = watch.Elapsed < best ? watch.Elapsed : best;
            if (lines != total)
            {
                throw new InvalidOperationException($"the baseline split {lines:N0} lines, expected {total:N0}");
            }
        }

        var rate = total / best.TotalSeconds;
        Console.WriteLine($"  baseline: gunzip + split + gzip ({level}) in memory, one thread, best of {rounds}   {rate,12:N0} events/s  " +
                          $"({best.TotalMilliseconds:N0} ms; {decodedBytes / 1e6:N0} MB of NDJSON → {packedBytes / 1e6:N0} MB)");
        return rate;
    }

    private static async Task<Result> Pull(
        Run run, Options options, SimulatorServer server, Scenario scenario, Dictionary<string, long> expected, long total, double baseline, DirectoryInfo folder)
    {
        var settingsFile = Path.Combine(folder.FullName, "settings.json");
        await File.WriteAllTextAsync(settingsFile, JsonSerializer.Serialize(NodeSettings(scenario, server, options, folder.FullName)));

        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(EndToEndThroughput).Assembly.Location);
        }

        foreach (var arg in new[] { "end-to-end-node", "--settings", settingsFile })
        {
            start.ArgumentList.Add(arg);
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        NodeSample? latest = null;
        var nodeLines = new ConcurrentQueue<string>();
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            if (line.StartsWith("[INFO]", StringComparison.Ordinal) || line.StartsWith("[DEBUG]", StringComparison.Ordinal))
            {
                // Akka's own stdout logger, once Serilog is gone at shutdown: not the node's trouble.
            }
            else if (!line.StartsWith(EndToEndNode.Marker, StringComparison.Ordinal))
            {
                nodeLines.Enqueue(line);
                Console.WriteLine($"    node| {line}");
            }
            else if (line[EndToEndNode.Marker.Length..] == EndToEndNode.Started)
            {
                started.TrySetResult();
            }
            else
            {
                Volatile.Write(ref latest, JsonSerializer.Deserialize(line[EndToEndNode.Marker.Length..], NodeJson.Default.NodeSample));
            }
        }

        var simulatorCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var machineCpu = MachineBusySeconds();
        var clock = Stopwatch.StartNew();
        var clockStart = Stopwatch.GetTimestamp();
        using var node = Process.Start(start) ?? throw new InvalidOperationException($"could not start {self}");
        node.OutputDataReceived += (_, e) => OnLine(e.Data);
        node.ErrorDataReceived += (_, e) => OnLine(e.Data);
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        try
        {
            // A node that refuses to start exits at once: stop waiting then, not after the timeout.
            await Task.WhenAny(started.Task, node.WaitForExitAsync()).WaitAsync(TimeSpan.FromSeconds(120));
            if (!started.Task.IsCompleted)
            {
                throw new InvalidOperationException($"the node exited with code {node.ExitCode} before it started (its output is above)");
            }
        }
        catch (TimeoutException)
        {
            node.Kill(entireProcessTree: true);
            throw new InvalidOperationException("the node did not start within 120 s");
        }

        var startedAt = clock.Elapsed;
        Console.WriteLine($"  node process {node.Id} started in {startedAt.TotalSeconds:N1} s (cluster port, SQLite file and admin API in {folder.FullName})");

        TimeSpan? firstAt = null;
        var lastPrint = startedAt;
        long lastUnique = 0;
        double lastCpu = 0;
        var complete = false;
        while (true)
        {
            var stats = expected.Keys.Select(k => (Key: k, Stats: server.Intake.Record(k).Stats)).ToList();
            var unique = stats.Sum(s => s.Stats.Unique);
            var elapsed = clock.Elapsed;
            if (firstAt is null && unique > 0)
            {
                firstAt = elapsed;
            }

            complete = stats.All(s => s.Stats.Unique >= expected[s.Key]);
            if (complete || node.HasExited || elapsed - startedAt > options.Timeout)
            {
                break;
            }

            if (elapsed - lastPrint >= options.ProgressEvery)
            {
                var sample = Volatile.Read(ref latest);
                var seconds = (elapsed - lastPrint).TotalSeconds;
                var cpu = sample?.CpuSeconds ?? 0;
                Console.WriteLine($"  {(elapsed - startedAt).TotalSeconds,6:N1} s  {unique,11:N0} of {total:N0} at the intake ({100.0 * unique / total,3:N0} %)  " +
                                  $"{(unique - lastUnique) / seconds,9:N0} events/s  node: working set {Mb(sample?.WorkingSet)}, heap {Mb(sample?.Heap)}, " +
                                  $"CPU {100 * (cpu - lastCpu) / seconds,4:N0} %");
                (lastPrint, lastUnique, lastCpu) = (elapsed, unique, cpu);
            }

            // Every 10 ms: the last event's arrival is known within that, not within a tenth of a four-second run.
            await Task.Delay(10);
        }

        var doneAt = clock.Elapsed;
        simulatorCpu = Process.GetCurrentProcess().TotalProcessorTime - simulatorCpu;
        machineCpu = MachineBusySeconds() - machineCpu;

        // Closing the node's input makes it print a last sample and stop (CoordinatedShutdown: the node leaves its cluster of one).
        node.StandardInput.Close();
        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            try
            {
                await node.WaitForExitAsync(exit.Token);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("  the node did not stop within 60 s; killed");
                node.Kill(entireProcessTree: true);
                await node.WaitForExitAsync();
            }
        }

        var final = Volatile.Read(ref latest);
        var received = expected.Keys.Select(k => server.Intake.Record(k).Stats).ToList();
        var delivered = received.Sum(s => s.Unique);
        var clients = scenario.Clients.Select(c => server.Mimecast.Client(c.ClientId).Stats).ToList();
        var endToEnd = delivered / (doneAt - startedAt).TotalSeconds;
        var steady = firstAt is { } first && doneAt > first ? delivered / (doneAt - first).TotalSeconds : 0;
        var nodeCpu = final?.CpuSeconds ?? double.NaN;

        if (!complete)
        {
            Console.WriteLine($"  INCOMPLETE: {delivered:N0} of {total:N0} events reached the intake " +
                              (node.HasExited && node.ExitCode != 0 ? $"(the node exited with code {node.ExitCode})" : $"within {options.Timeout}"));
        }

        Console.WriteLine($"  end-to-end: node started → every event at the intake       {endToEnd,12:N0} events/s  ({delivered:N0} in {(doneAt - startedAt).TotalSeconds:N1} s; " +
                          $"first event after {((firstAt ?? doneAt) - startedAt).TotalSeconds:N1} s; the process took {startedAt.TotalSeconds:N1} s to start the node)");
        Console.WriteLine($"  steady: first event → last event at the intake              {steady,12:N0} events/s");
        Console.WriteLine($"  ratio end-to-end/baseline = {endToEnd / baseline:F2}{(run.Tenants == 1 ? " (goal ≥ 0.5)" : "")}, steady/baseline = {steady / baseline:F2}");
        Console.WriteLine($"  intake: {received.Sum(s => s.Received):N0} received, {delivered:N0} unique, {received.Sum(s => s.Duplicates):N0} duplicates, " +
                          $"{received.Sum(s => s.Requests):N0} requests; Mimecast: {clients.Sum(c => c.SiemCalls):N0} listing calls, most in any window {clients.Max(c => c.MaxCallsInAnyWindow)}/{options.Calls} " +
                          $"(one tenant), {clients.Sum(c => c.TooManyRequests)} 429s, {clients.Sum(c => c.TokensIssued)} tokens, {clients.Sum(c => c.BlobsServed):N0} blobs served");
        Console.WriteLine($"  start-up, tenants by their first answer (median/90th/last, s after the node started): " +
                          StartUp("token", scenario.Clients.Select(c => server.Mimecast.Client(c.ClientId).FirstAnswers.Token)) +
                          StartUp("listing", scenario.Clients.Select(c => server.Mimecast.Client(c.ClientId).FirstAnswers.Listing)) +
                          StartUp("batch file", scenario.Clients.Select(c => server.Mimecast.Client(c.ClientId).FirstAnswers.Blob)) +
                          StartUp("intake", expected.Keys.Select(k => server.Intake.Record(k).FirstRequestAt)));
        string StartUp(string what, IEnumerable<long> timestamps)
        {
            var seconds = timestamps.Where(t => t != 0).Select(t => Stopwatch.GetElapsedTime(clockStart, t).TotalSeconds - startedAt.TotalSeconds).Order().ToList();
            return seconds.Count == 0 ? $"{what} none; " :
                $"{what} {seconds[seconds.Count / 2]:N2}/{seconds[(int)(seconds.Count * 0.9)]:N2}/{seconds[^1]:N2}; ";
        }

        if (final is not null)
        {
            Console.WriteLine($"  node memory: peak working set {Mb(final.PeakWorkingSet)}, peak managed heap {Mb(final.PeakHeap)} (sampled every 20 ms), " +
                              $"peak heap after a GC {Mb(final.PeakHeapAfterGc)}, peak GC committed {Mb(final.PeakCommitted)}; allocated {final.Allocated / 1e9:N1} GB, " +
                              $"GCs {final.Gen0}/{final.Gen1}/{final.Gen2} (gen 0/1/2), {final.Threads} threads at the end");
            Console.WriteLine($"  CPU: node {nodeCpu:N1} s ({delivered / nodeCpu:N0} events per CPU-second, start-up included), " +
                              $"simulator + harness {simulatorCpu.TotalSeconds:N1} s, over {doneAt.TotalSeconds:N1} s of wall time on {Environment.ProcessorCount} cores" +
                              OtherProcesses(machineCpu - nodeCpu - simulatorCpu.TotalSeconds));
        }

        if (!nodeLines.IsEmpty)
        {
            Console.WriteLine($"  the node printed {nodeLines.Count} warning or error line(s), shown above");
        }

        return new Result(run, delivered, baseline, endToEnd, steady, final, nodeCpu, complete);
    }

    /// <summary>
    /// How the node's code is compiled: the image publishes it as one composite ReadyToRun image with the runtime and
    /// runs it without tiered compilation (Directory.Build.targets); `dotnet run` JIT-compiles it in tiers, which
    /// costs start-up CPU.
    /// </summary>
    private static string CompiledCode()
    {
        using var image = new PEReader(File.OpenRead(typeof(Host.MimecastNode).Assembly.Location));
        var readyToRun = image.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
        var composite = File.Exists(Path.Combine(AppContext.BaseDirectory, $"{typeof(EndToEndThroughput).Assembly.GetName().Name}.r2r.dll"));
        var tiered = !string.Equals(AppContext.GetData("System.Runtime.TieredCompilation")?.ToString(), "false", StringComparison.OrdinalIgnoreCase)
            && Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") != "0";
        return (readyToRun, tiered) switch
        {
            (true, false) when composite => "composite ReadyToRun with the runtime, no tiered compilation — as the image runs the node",
            (true, false) => "ReadyToRun apart from the runtime, no tiered compilation — not as the image runs the node",
            (true, true) => "ReadyToRun, tiered compilation on — not as the image runs the node",
            (false, true) => "JIT, tiered (dotnet run) — the image runs the node ReadyToRun: publish this benchmark so for its figures (bench/README.md)",
            (false, false) => "JIT, tiering off — not as the image runs the node",
        };
    }

    /// <summary>The node's configuration, as the flat keys of .NET configuration (the same contract as `mimecast-actors run`).</summary>
    private static Dictionary<string, string?> NodeSettings(Scenario scenario, SimulatorServer server, Options options, string folder)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Cluster:Hostname"] = "127.0.0.1",
            ["Cluster:Port"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Admin:Urls"] = "http://127.0.0.1:0",
            ["Persistence:Provider"] = "Sqlite",
            ["Secrets:Key"] = SecretBox.NewKey(),
            ["Persistence:ConnectionString"] = $"Data Source={Path.Combine(folder, "node.db")}",
            ["RejectedLines:Folder"] = Path.Combine(folder, "rejected"),
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        MimecastActors.Host.SimulatorTenants.AddTo(settings, server, scenario, options.PollInterval);
        for (var i = 0; i < scenario.Clients.Count; i++)
        {
            settings[$"Tenants:{i}:Mimecast:GroupEventTypes"] = options.GroupEventTypes ? "true" : "false";
            settings[$"Tenants:{i}:Mimecast:RateLimit:Calls"] = options.Calls.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings[$"Tenants:{i}:Mimecast:RateLimit:Window"] = RateLimitWindow.ToString();
        }

        return settings;
    }

    /// <summary>CPU time the whole machine spent busy since boot (Linux /proc/stat), to tell whether other work shared the cores; NaN elsewhere.</summary>
    private static double MachineBusySeconds()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // cpu user nice system idle iowait irq softirq steal …, in USER_HZ (100 per second on Linux).
            var busy = BusyFields.Sum(i => long.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture));
            return busy / 100.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }

    private static string OtherProcesses(double seconds) => seconds switch
    {
        double.NaN => "",
        < 1 => $"; other processes {Math.Max(0, seconds):N1} s (a quiet machine)",
        _ => $"; other processes {seconds:N1} s: the machine was NOT quiet, these figures are low",
    };

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string Mb(long? bytes) => bytes is { } b ? $"{b / 1e6:N0} MB" : "?";
}
