using System.Diagnostics;
using System.IO.Compression;

using Microsoft.Extensions.DependencyInjection;

using MimecastActors.Mimecast;
using MimecastActors.Simulator;

namespace MimecastActors.Benchmarks;

/// <summary>
/// The batch file reader (HTTP → gzip → checked lines) against the floor any reader pays: the same bytes
/// decompressed by a bare GZipStream loop that only counts newlines, in the same process, on the same files.
/// </summary>
internal static class BlobReaderThroughput
{
    public static async Task RunAsync(int files, int eventsPerFile, int rounds)
    {
        var scenario = new Scenario
        {
            Clients = [new ClientScenario
            {
                ClientId = "bench", ClientSecret = "s", EventTypes = ["receipt"], BacklogFiles = files, EventsPerFile = eventsPerFile,
                RateLimit = new RateLimitScenario { Calls = 1_000_000 },
            }],
        };
        await using var server = await SimulatorServer.StartAsync(scenario);
        await using var services = new ServiceCollection().AddMimecastApi().BuildServiceProvider();
        var api = services.GetRequiredService<MimecastClientFactory>().Create(new MimecastCredentials(server.MimecastUrl, "bench", "s"));
        var reader = services.GetRequiredService<BatchFileReader>();
        if (await api.ListAsync(new BatchQuery(["receipt"]), CancellationToken.None) is not PageListed { Page: var page })
        {
            throw new InvalidOperationException("the simulator did not list the files");
        }

        var simulated = server.Mimecast.Client("bench");
        var blobs = Enumerable.Range(0, files).Select(i => server.Mimecast.BatchFile(simulated, "receipt", i)).ToList();
        var compressed = blobs.Sum(b => (long)b.Length);
        Console.WriteLine($"blob reader: {files} files x {eventsPerFile:N0} events, {compressed / 1e6:F1} MB compressed, best of {rounds} rounds, {Environment.ProcessorCount} cores");

        var bestBare = TimeSpan.MaxValue;
        var bestReader = TimeSpan.MaxValue;
        long decompressed = 0, events = 0;
        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            decompressed = blobs.Sum(CountNewlines);
            bestBare = Min(bestBare, watch.Elapsed);

            var sink = new CountingSink();
            watch.Restart();
            foreach (var file in page.Files)
            {
                if (await reader.ReadAsync(file, 0, sink, CancellationToken.None) is not FileRead)
                {
                    throw new InvalidOperationException($"reading {file} failed");
                }
            }

            bestReader = Min(bestReader, watch.Elapsed);
            events = sink.Events;
        }

        var bareRate = decompressed / 1e6 / bestBare.TotalSeconds;
        var readerRate = decompressed / 1e6 / bestReader.TotalSeconds;
        Console.WriteLine($"  bare GZipStream loop counting newlines (in memory)  {events / bestBare.TotalSeconds,14:N0} events/s  {bareRate,8:N0} MB/s");
        Console.WriteLine($"  BatchFileReader over HTTP (checked lines, in order)   {events / bestReader.TotalSeconds,14:N0} events/s  {readerRate,8:N0} MB/s");
        Console.WriteLine($"  ratio reader/bare = {readerRate / bareRate:F2} (goal ≥ 0.8); {events:N0} events, {decompressed / 1e6:F0} MB decompressed");
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static long CountNewlines(byte[] gzip)
    {
        using var unzip = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        var buffer = new byte[64 * 1024];
        long bytes = 0;
        long lines = 0;
        int read;
        while ((read = unzip.Read(buffer)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            bytes += read;
        }

        return lines >= 0 ? bytes : 0;
    }

    private sealed class CountingSink : IBatchLineSink
    {
        public long Events { get; private set; }

        public ValueTask OnEventAsync(ReadOnlyMemory<byte> line, long lineNumber, CancellationToken cancel)
        {
            Events++;
            return ValueTask.CompletedTask;
        }

        public ValueTask OnRejectedAsync(RejectedLine rejected, ReadOnlyMemory<byte> head, CancellationToken cancel) => ValueTask.CompletedTask;
    }
}
