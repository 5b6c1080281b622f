using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text.Json;

using MimecastActors.Simulator;

namespace MimecastActors.Benchmarks;

/// <summary>
/// Shows that the simulator is never the bottleneck: how many events per second it serves as batch files and
/// accepts at the intake over loopback, next to a baseline measured in the same run (decoding the same bytes
/// in memory, no HTTP). Client and server share this process and its two cores, so the figures are conservative.
/// </summary>
internal static class SimulatorThroughput
{
    private const string Client = "bench";
    private const string Key = "bench-key";

    public static async Task RunAsync(int files, int eventsPerFile, int parallel)
    {
        var types = new[] { "receipt", "process", "delivery", "spam" };
        var scenario = new Scenario
        {
            Clients = [new ClientScenario
            {
                ClientId = Client, ClientSecret = "s", EventTypes = types, BacklogFiles = files / types.Length, EventsPerFile = eventsPerFile,
                RateLimit = new RateLimitScenario { Calls = 1_000_000 },
            }],
            IntakeKeys = [Key],
        };
        await using var server = await SimulatorServer.StartAsync(scenario);
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, MaxConnectionsPerServer = parallel })
        {
            BaseAddress = server.BaseUrl,
        };
        var total = (long)scenario.Clients[0].BacklogFiles * types.Length * eventsPerFile;
        Console.WriteLine($"simulator throughput: {scenario.Clients[0].BacklogFiles * types.Length} files x {eventsPerFile} events = {total:N0} events, {parallel} concurrent requests, {Environment.ProcessorCount} cores");

        var listing = Stopwatch.StartNew();
        var urls = await ListAll(http, types);
        listing.Stop();
        Report("listing (generates and gzips every file once, to report its size)", total, listing.Elapsed);

        var served = Stopwatch.StartNew();
        var blobs = await Download(http, urls, parallel);
        served.Stop();
        var blobRate = Report("blobs: GET over HTTP", total, served.Elapsed);

        var decoding = Stopwatch.StartNew();
        var lines = blobs.Sum(CountLines);
        decoding.Stop();
        var decodeRate = Report("baseline: bare GZipStream decoding of the same files in memory, one core", lines, decoding.Elapsed);
        Console.WriteLine($"  ratio served/baseline = {blobRate / decodeRate:F2} (above 1: serving outpaces what any puller can decode)");

        var bodies = blobs.Select(b => IntakeBody(Key, Decode(b))).ToList();
        var parseBaseline = Stopwatch.StartNew();
        foreach (var body in bodies)
        {
            CountJsons(body);
        }

        parseBaseline.Stop();
        var parseRate = Report("baseline: gunzip + parse the intake bodies in memory", lines, parseBaseline.Elapsed);

        var post = Stopwatch.StartNew();
        await Post(http, bodies, parallel);
        post.Stop();
        var postRate = Report("intake: POST /batch (gzip, recorded, duplicates counted)", lines, post.Elapsed);
        Console.WriteLine($"  ratio accepted/baseline = {postRate / parseRate:F2}");

        var stats = server.Intake.Record(Key).Stats;
        Console.WriteLine($"  intake recorded {stats.Received:N0} events, {stats.Unique:N0} unique, {stats.Duplicates:N0} duplicates");
        if (stats.Unique != total)
        {
            throw new InvalidOperationException($"the intake recorded {stats.Unique} unique events, expected {total}");
        }

        Console.WriteLine($"verdict: blobs {(blobRate >= 300_000 ? "≥" : "<")} 300,000 events/s, intake {(postRate >= 300_000 ? "≥" : "<")} 300,000 events/s");
    }

    private static double Report(string what, long events, TimeSpan elapsed)
    {
        var rate = events / elapsed.TotalSeconds;
        Console.WriteLine($"  {what,-80} {rate,14:N0} events/s  ({events:N0} in {elapsed.TotalMilliseconds:N0} ms)");
        return rate;
    }

    private static async Task<List<string>> ListAll(HttpClient http, string[] types)
    {
        using var tokenResponse = await http.PostAsync("oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = Client,
            ["client_secret"] = "s",
            ["grant_type"] = "client_credentials",
        }));
        using var tokenDoc = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync());
        var token = tokenDoc.RootElement.GetProperty("access_token").GetString();

        var urls = new List<string>();
        string? next = null;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get,
                $"siem/v1/batch/events/cg?type={string.Join(',', types)}&pageSize=100" + (next is null ? "" : "&nextPage=" + next));
            request.Headers.Authorization = new("Bearer", token);
            using var response = await http.SendAsync(request);
            using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            urls.AddRange(page.RootElement.GetProperty("value").EnumerateArray().Select(v => v.GetProperty("url").GetString()!));
            next = page.RootElement.GetProperty("@nextPage").GetString();
            if (page.RootElement.GetProperty("isCaughtUp").GetBoolean())
            {
                return urls;
            }
        }
    }

    private static async Task<byte[][]> Download(HttpClient http, List<string> urls, int parallel)
    {
        var blobs = new byte[urls.Count][];
        await Parallel.ForEachAsync(Enumerable.Range(0, urls.Count), new ParallelOptions { MaxDegreeOfParallelism = parallel },
            async (i, cancel) => blobs[i] = await http.GetByteArrayAsync(urls[i], cancel));
        return blobs;
    }

    private static async Task Post(HttpClient http, List<byte[]> bodies, int parallel) =>
        await Parallel.ForEachAsync(bodies, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (body, cancel) =>
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");
            content.Headers.ContentEncoding.Add("gzip");
            using var response = await http.PostAsync("batch", content, cancel);
            response.EnsureSuccessStatusCode();
        });

    private static long CountLines(byte[] gzip)
    {
        using var unzip = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        var buffer = new byte[64 * 1024];
        long lines = 0;
        int read;
        while ((read = unzip.Read(buffer)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        return lines;
    }

    private static List<byte[]> Decode(byte[] gzip)
    {
        using var decoded = new MemoryStream();
        using (var unzip = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress))
        {
            unzip.CopyTo(decoded);
        }

        var all = decoded.GetBuffer().AsSpan(0, (int)decoded.Length);
        var lines = new List<byte[]>();
        while (all.Length > 0)
        {
            var end = all.IndexOf((byte)'\n');
            var line = end < 0 ? all : all[..end];
            lines.Add(line.ToArray());
            all = end < 0 ? [] : all[(end + 1)..];
        }

        return lines;
    }

    /// <summary>A gzip `/batch` body of the given events (UTF-8 NDJSON lines), as the official connector writes it.</summary>
    internal static byte[] IntakeBody(string intakeKey, IEnumerable<byte[]> events)
    {
        using var packed = new MemoryStream();
        using (var zip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new Utf8JsonWriter(zip))
        {
            writer.WriteStartObject();
            writer.WriteString("intake_key", intakeKey);
            writer.WriteStartArray("jsons");
            foreach (var e in events)
            {
                writer.WriteStringValue(e);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return packed.ToArray();
    }

    private static int CountJsons(byte[] gzipBody)
    {
        using var decoded = new MemoryStream();
        using (var unzip = new GZipStream(new MemoryStream(gzipBody), CompressionMode.Decompress))
        {
            unzip.CopyTo(decoded);
        }

        var reader = new Utf8JsonReader(decoded.GetBuffer().AsSpan(0, (int)decoded.Length));
        var count = 0;
        var scratch = new byte[1 << 20];
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.String && reader.CurrentDepth == 2)
            {
                reader.CopyString(scratch);
                count++;
            }
        }

        return count;
    }
}
