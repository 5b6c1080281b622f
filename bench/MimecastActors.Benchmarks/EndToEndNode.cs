using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

using MimecastActors.Host;

namespace MimecastActors.Benchmarks;

/// <summary>
/// The node of the <c>end-to-end</c> benchmark, in a process of its own so that its memory and CPU are the node's
/// alone (the simulator, the baseline and the harness live in the parent). Started by the parent with a settings
/// file (flat .NET configuration keys), it builds the real node with <see cref="MimecastNode.Build"/>, prints
/// <see cref="Marker"/> lines (started, then a <see cref="NodeSample"/> every second) and stops when its standard
/// input closes, after a last sample.
/// </summary>
internal static class EndToEndNode
{
    public const string Marker = "@node ";
    public const string Started = "started";

    public static async Task<int> RunAsync(FileInfo settingsFile)
    {
        var settings = JsonSerializer.Deserialize(await File.ReadAllTextAsync(settingsFile.FullName), NodeJson.Default.DictionaryStringString)
            ?? throw new InvalidDataException($"{settingsFile.FullName} holds no settings");
        var builder = MimecastNode.CreateBuilder([], settingsFile.DirectoryName!);
        builder.Configuration.AddInMemoryCollection(settings);
        var (node, problems) = NodeConfigurationCheck.Read(builder.Configuration);
        if (problems.Count > 0)
        {
            await Console.Error.WriteLineAsync($"end-to-end node: the configuration has {problems.Count} problem(s): {string.Join("; ", problems)}");
            return 2;
        }

        using var sampler = new NodeSampler();
        await using var app = MimecastNode.Build(builder, node);
        await app.StartAsync();
        Console.WriteLine(Marker + Started);

        // A thread of its own: a blocked thread-pool worker would leave the node one worker short on two cores.
        var inputClosed = Task.Factory.StartNew(
            () =>
            {
                while (Console.In.ReadLine() is not null)
                {
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        while (!inputClosed.IsCompleted)
        {
            await Task.WhenAny(inputClosed, Task.Delay(TimeSpan.FromSeconds(1)));
            Console.WriteLine(Marker + JsonSerializer.Serialize(sampler.Sample(), NodeJson.Default.NodeSample));
        }

        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StopAsync(stopping.Token);
        return 0;
    }

    /// <summary>Samples the GC every 20 ms and keeps the peaks (a GC heap peak lasts only until the next collection); the process with each report.</summary>
    private sealed class NodeSampler : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly Timer _timer;
        private long _peakHeap;
        private long _peakHeapAfterGc;
        private long _peakCommitted;

        // Every 20 ms only the GC's figures, which are cheap: the process's own (read from /proc, a file per thread)
        // are taken with each report, and its peak working set is the kernel's.
        public NodeSampler() => _timer = new Timer(_ => SamplePeaks(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(20));

        public void Dispose() => _timer.Dispose();

        public NodeSample Sample()
        {
            var heap = SamplePeaks();
            using var self = Process.GetCurrentProcess();
            lock (_gate)
            {
                return new NodeSample(
                    self.WorkingSet64, self.PeakWorkingSet64, heap, _peakHeap, _peakHeapAfterGc, _peakCommitted, GC.GetTotalAllocatedBytes(),
                    GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), self.TotalProcessorTime.TotalSeconds, self.Threads.Count);
            }
        }

        /// <returns>The heap now.</returns>
        private long SamplePeaks()
        {
            var heap = GC.GetTotalMemory(forceFullCollection: false);
            var info = GC.GetGCMemoryInfo();
            lock (_gate)
            {
                _peakHeap = Math.Max(_peakHeap, heap);
                _peakHeapAfterGc = Math.Max(_peakHeapAfterGc, info.HeapSizeBytes);
                _peakCommitted = Math.Max(_peakCommitted, info.TotalCommittedBytes);
            }

            return heap;
        }
    }
}

/// <summary>What the node process reports about itself.</summary>
/// <param name="WorkingSet">Resident memory now.</param>
/// <param name="PeakWorkingSet">The process's peak resident memory since it started (VmHWM on Linux).</param>
/// <param name="Heap">Bytes the GC counts as allocated now, garbage not yet collected included.</param>
/// <param name="PeakHeap">The largest <paramref name="Heap"/> sampled (every 20 ms).</param>
/// <param name="PeakHeapAfterGc">The largest heap size seen right after a collection (what survived, with fragmentation).</param>
/// <param name="PeakCommitted">The largest memory the GC had committed.</param>
/// <param name="Allocated">Bytes allocated since the process started.</param>
/// <param name="CpuSeconds">User and kernel CPU time of the process since it started.</param>
internal sealed record NodeSample(
    long WorkingSet, long PeakWorkingSet, long Heap, long PeakHeap, long PeakHeapAfterGc, long PeakCommitted, long Allocated,
    int Gen0, int Gen1, int Gen2, double CpuSeconds, int Threads);

/// <summary>
/// The samples' JSON, with its metadata generated at compile time: read by reflection, the node's first sample cost it
/// about 30 ms of CPU in the middle of its start-up (a symbolised <c>perf</c> of the 100-tenant run).
/// </summary>
[JsonSerializable(typeof(NodeSample))]
[JsonSerializable(typeof(Dictionary<string, string?>))]
internal sealed partial class NodeJson : JsonSerializerContext;
