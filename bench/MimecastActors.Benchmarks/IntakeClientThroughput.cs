using System.Diagnostics;
using System.IO.Compression;
using System.Threading.Channels;

using Microsoft.Extensions.DependencyInjection;

using MimecastActors.Sekoia;
using MimecastActors.Simulator;
using MimecastActors.Simulator.Mimecast;

namespace MimecastActors.Benchmarks;

/// <summary>
/// How fast the intake client moves events to the simulator's intake over loopback: chunking (escaping into the
/// body), gzip, HTTP and acknowledgement checks, with gzip on and off. Events are generated and decoded before the
/// clock starts; a bounded channel of chunks sits between the builder and <c>parallel</c> senders, as in the forwarder.
/// Client and server share this process and its cores, so the figures are conservative.
/// </summary>
internal static class IntakeClientThroughput
{
    private const int EventsPerFile = 5_000;

    public static async Task RunAsync(int events, int parallel)
    {
        var (data, lines) = Generate(events);
        var scenario = new Scenario { IntakeKeys = ["bench-gzip", "bench-plain", "warm-up"] };
        await using var server = await SimulatorServer.StartAsync(scenario);
        var size = lines.Sum(l => (long)l.Length);
        Console.WriteLine($"intake client throughput: {lines.Count:N0} events ({size / 1e6:N1} MB of NDJSON lines), " +
                          $"{parallel} concurrent requests, {Environment.ProcessorCount} cores; client and simulator share the process");

        // Warm up both paths (JIT tiers, connection pool, the simulator's buffers) on a slice, unmeasured.
        foreach (var gzip in new[] { true, false })
        {
            await using var services = new ServiceCollection().AddSekoiaIntake(o => o.Compress = gzip).BuildServiceProvider();
            var client = services.GetRequiredService<SekoiaIntakeClientFactory>().Create(server.IntakeUrl, "warm-up");
            await Run(null, client, data, lines[..Math.Min(lines.Count, 30_000)], parallel);
        }

        foreach (var (key, gzip) in new[] { ("bench-gzip", true), ("bench-plain", false) })
        {
            await using var services = new ServiceCollection().AddSekoiaIntake(o => o.Compress = gzip).BuildServiceProvider();
            var client = services.GetRequiredService<SekoiaIntakeClientFactory>().Create(server.IntakeUrl, key);
            await Run(gzip ? "gzip (Fastest)" : "no compression", client, data, lines, parallel);

            var stats = server.Intake.Record(key).Stats;
            Console.WriteLine($"    intake recorded {stats.Received:N0} events in {stats.Requests:N0} requests, {stats.Unique:N0} unique, {stats.Duplicates:N0} duplicates");
            if (stats.Unique != lines.Count || stats.Received != lines.Count)
            {
                throw new InvalidOperationException($"the intake recorded {stats.Received} events, {stats.Unique} unique; expected {lines.Count} once each");
            }
        }
    }

    private static async Task Run(string? what, SekoiaIntakeClient client, byte[] data, List<(int Start, int Length)> lines, int parallel)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var gen2 = GC.CollectionCount(2);
        using var sampler = new PeakMemory();

        var chunks = Channel.CreateBounded<IntakeChunk>(new BoundedChannelOptions(parallel) { SingleWriter = true });
        long bodyBytes = 0, requests = 0, attempts = 0;
        var watch = Stopwatch.StartNew();
        var producer = Task.Run(async () =>
        {
            using var builder = client.CreateChunkBuilder();
            foreach (var (start, length) in lines)
            {
                var line = data.AsSpan(start, length);
                var added = builder.TryAdd(line);
                if (added == ChunkAddResult.ChunkFull)
                {
                    await chunks.Writer.WriteAsync(builder.Seal());
                    added = builder.TryAdd(data.AsSpan(start, length));
                }

                if (added != ChunkAddResult.Added)
                {
                    throw new InvalidOperationException($"a generated event was refused: {added}");
                }
            }

            if (builder.EventCount > 0)
            {
                await chunks.Writer.WriteAsync(builder.Seal());
            }

            chunks.Writer.Complete();
        });
        var senders = Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            await foreach (var chunk in chunks.Reader.ReadAllAsync())
            {
                using var sent = chunk; // back to the pool once acknowledged, as the forwarder does
                var outcome = await client.SendAsync(chunk);
                if (outcome is not IntakeOutcome.Acknowledged)
                {
                    throw new InvalidOperationException($"a chunk was not acknowledged: {outcome}");
                }

                Interlocked.Add(ref bodyBytes, chunk.Body.Length);
                Interlocked.Increment(ref requests);
                Interlocked.Add(ref attempts, outcome.Attempts);
            }
        })).ToList();
        await producer;
        await Task.WhenAll(senders);
        watch.Stop();

        if (what is null)
        {
            return;
        }

        var seconds = watch.Elapsed.TotalSeconds;
        var size = lines.Sum(l => (long)l.Length);
        Console.WriteLine($"  {what,-16} {lines.Count / seconds,12:N0} events/s  {size / 1e6 / seconds,8:N1} MB/s of events  " +
                          $"{bodyBytes / 1e6 / seconds,8:N1} MB/s of bodies  ({requests:N0} chunks, {attempts:N0} attempts, {watch.Elapsed.TotalMilliseconds:N0} ms)");
        Console.WriteLine($"    memory: peak working set {sampler.Peak / 1e6:N0} MB during the run, {(sampler.Peak - sampler.Start) / 1e6:N0} MB above its start " +
                          $"({Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:N0} MB process peak), " +
                          $"allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1e6:N0} MB, {GC.CollectionCount(2) - gen2} gen2 GCs");
    }

    /// <summary>Batch files from the simulator's generator, gunzipped into one buffer of NDJSON lines.</summary>
    private static (byte[] Data, List<(int Start, int Length)> Lines) Generate(int events)
    {
        var client = new ClientScenario { ClientId = "bench", ClientSecret = "s", EventsPerFile = EventsPerFile };
        var start = DateTimeOffset.UtcNow;
        var types = SiemEventTypes.All;
        using var decoded = new MemoryStream();
        for (var file = 0; file * EventsPerFile < events; file++)
        {
            var schedule = new PublishSchedule(client, types[file % types.Count], start);
            using var unzip = new GZipStream(new MemoryStream(BatchFileGenerator.Generate(1, client, schedule, file / types.Count)), CompressionMode.Decompress);
            unzip.CopyTo(decoded);
        }

        var data = decoded.GetBuffer(); // no copy: the generated text is the biggest thing in this process
        var total = (int)decoded.Length;
        var lines = new List<(int, int)>(events);
        var position = 0;
        while (lines.Count < events && position < total)
        {
            var end = data.AsSpan(position, total - position).IndexOf((byte)'\n');
            var length = end < 0 ? total - position : end;
            lines.Add((position, length));
            position += length + 1;
        }

        return (data, lines);
    }

    /// <summary>Samples the working set, so each run reports its own peak rather than the process's.</summary>
    private sealed class PeakMemory : IDisposable
    {
        private readonly Timer _timer;
        private long _peak;

        public PeakMemory()
        {
            using var self = Process.GetCurrentProcess();
            Start = self.WorkingSet64;
            _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(20));
        }

        public long Start { get; }

        public long Peak
        {
            get
            {
                Sample();
                return Interlocked.Read(ref _peak);
            }
        }

        public void Dispose() => _timer.Dispose();

        private void Sample()
        {
            using var self = Process.GetCurrentProcess();
            var now = self.WorkingSet64;
            long seen;
            while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
            {
            }
        }
    }
}
