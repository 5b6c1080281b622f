using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Net;
using System.Text;
using System.Text.Json;

using MimecastActors.Simulator;
using MimecastActors.Simulator.Mimecast;

namespace MimecastActors.IntegrationTests.Simulator;

public sealed class BlobTests
{
    [Fact]
    public async Task A_blob_is_gzip_ndjson_of_unique_events_in_both_shapes_with_lagging_unsorted_timestamps()
    {
        await using var sim = await SimulatorHttp.StartAsync(SimulatorHttp.Acme(c => c with { EventTypes = SiemEventTypes.All, EventsPerFile = 200 }));
        var token = await sim.Token();
        var page = await sim.ListPage(token, SimulatorHttp.Query(string.Join(",", SiemEventTypes.All)));
        var schedule = sim.Server.Mimecast.Client(SimulatorHttp.ClientId).Schedules["receipt"];

        var identities = new HashSet<string>();
        var shapes = new HashSet<string>();
        foreach (var (url, _, size) in page.Files)
        {
            using var response = await sim.Http.GetAsync(url);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            bytes.Length.Should().Be((int)size, "`size` is the compressed size");
            var timestamps = new List<long>();
            foreach (var line in SimulatorHttp.DecodeLines(bytes))
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                identities.Add(root.GetProperty(SimulatedEvent.IdentityField).GetString()!).Should().BeTrue();
                root.GetProperty("accountId").GetString().Should().Be("CUSB4A274");
                shapes.Add(root.TryGetProperty("eventType", out _) ? "eventType" : root.TryGetProperty("type", out _) ? "type" : "none");
                timestamps.Add(root.GetProperty("timestamp").GetInt64());
            }

            var fileIndex = int.Parse(new Uri(url).Segments[^1].Split('.')[0]);
            var published = schedule.PublishedAt(fileIndex).ToUnixTimeMilliseconds();
            timestamps.Should().OnlyContain(t => t <= published && t > published - (20 * 60 * 1000));
            timestamps.Should().NotBeInAscendingOrder();
        }

        identities.Should().HaveCount(10 * 5 * 200);
        shapes.Should().BeEquivalentTo("type", "eventType");
    }

    [Fact]
    public async Task Sample_numbers_that_arrive_as_strings_stay_strings()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        var page = await sim.ListPage(await sim.Token(), SimulatorHttp.Query("receipt"));
        var lines = await sim.Lines(page.Files[0].Url);

        lines.Select(SimulatorHttp.Utf8).Should().Contain(l => l.Contains("\"numberAttachments\":\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Blobs_need_no_auth_and_refuse_an_authorization_header()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        var page = await sim.ListPage(await sim.Token(), SimulatorHttp.Query("receipt"));

        using var request = new HttpRequestMessage(HttpMethod.Get, page.Files[0].Url);
        request.Headers.Authorization = new("Bearer", "whatever");
        using var response = await sim.Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("<Code>InvalidArgument</Code>");
    }

    [Fact]
    public async Task An_expired_url_gets_403_with_the_s3_body_and_relisting_the_same_token_gives_fresh_urls_for_the_same_files()
    {
        var client = SimulatorHttp.Acme();
        client.Quirks.UrlTtl = TimeSpan.FromSeconds(30);
        await using var sim = await SimulatorHttp.StartAsync(client);
        var token = await sim.Token();
        var first = await sim.ListPage(token, SimulatorHttp.Query("receipt", pageSize: 2));
        var before = await sim.Http.GetByteArrayAsync(first.Files[0].Url);
        first.Files[0].Expiry.Should().Be(sim.Time.GetUtcNow().AddSeconds(30));

        sim.Time.Advance(TimeSpan.FromSeconds(31));
        using var expired = await sim.Http.GetAsync(first.Files[0].Url);
        expired.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var xml = await expired.Content.ReadAsStringAsync();
        xml.Should().Contain("<Code>AccessDenied</Code>").And.Contain("Request has expired");

        // Re-list from the start of the same page (here: no token, the window start).
        var again = await sim.ListPage(token, SimulatorHttp.Query("receipt", pageSize: 2));
        again.Paths.Should().Equal(first.Paths);
        again.Files[0].Url.Should().NotBe(first.Files[0].Url);
        (await sim.Http.GetByteArrayAsync(again.Files[0].Url)).Should().Equal(before);
    }

    [Fact]
    public async Task A_tampered_signature_is_refused()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        var page = await sim.ListPage(await sim.Token(), SimulatorHttp.Query("receipt"));
        var tampered = page.Files[0].Url.Replace("00000000.json.gz", "00000001.json.gz", StringComparison.Ordinal);

        using var response = await sim.Http.GetAsync(tampered);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).Should().Contain("SignatureDoesNotMatch");
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_data_and_another_seed_different_data()
    {
        async Task<byte[]> FirstBlob(int seed)
        {
            await using var sim = await SimulatorHttp.StartAsync(change: s => s with { Seed = seed });
            var page = await sim.ListPage(await sim.Token(), SimulatorHttp.Query("receipt"));
            return await sim.Http.GetByteArrayAsync(page.Files[0].Url);
        }

        var a = SimulatorHttp.DecodeLines(await FirstBlob(3));
        var b = SimulatorHttp.DecodeLines(await FirstBlob(3));
        var c = SimulatorHttp.DecodeLines(await FirstBlob(4));

        a.Select(SimulatorHttp.Utf8).Should().Equal(b.Select(SimulatorHttp.Utf8));
        a.Select(SimulatorHttp.Utf8).Should().NotEqual(c.Select(SimulatorHttp.Utf8));
    }

    [Fact]
    public async Task Defective_files_carry_exactly_the_defects_asked_for_and_the_rest_of_the_file()
    {
        await using var sim = await SimulatorHttp.StartAsync(SimulatorHttp.Acme(c => c with
        {
            EventTypes = ["receipt"],
            BacklogFiles = 3,
            Files =
            [
                new BatchFileShape { Type = "receipt", Index = 0, InvalidJsonLine = 3, InvalidUtf8Line = 5, OversizeLine = 7 },
                new BatchFileShape { Type = "receipt", Index = 1, TruncateAtLine = 12 },
            ],
        }));
        var page = await sim.ListPage(await sim.Token(), SimulatorHttp.Query("receipt"));

        var lines = await sim.Lines(page.Files[0].Url);
        lines.Should().HaveCount(20);
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        for (var i = 0; i < lines.Count; i++)
        {
            var valid = IsJson(lines[i]);
            var utf8 = IsUtf8(strict, lines[i]);
            (i, valid && utf8).Should().Be((i, i is not (3 or 5)));
        }

        strict.GetString(lines[7]).Length.Should().BeGreaterThan(BatchFileGenerator.IntakeMaxEventChars);

        // The truncated file: 12 whole lines and half a line decode, then the gzip stream ends without its trailer.
        // .NET's GZipStream reports no error on such a stream, so a reader must check the trailer (CRC-32, length).
        var truncated = await sim.Http.GetByteArrayAsync(page.Files[1].Url);
        var decoded = Decode(truncated);
        var decodedLines = SimulatorHttp.SplitLines(decoded);
        decodedLines.Should().HaveCount(13);
        decodedLines.Take(12).Should().OnlyContain(l => IsJson(l));
        IsJson(decodedLines[12]).Should().BeFalse();
        TrailerMatches(truncated, decoded).Should().BeFalse();
        TrailerMatches(await sim.Http.GetByteArrayAsync(page.Files[2].Url), Decode(await sim.Http.GetByteArrayAsync(page.Files[2].Url))).Should().BeTrue();

        var undeliverable = sim.Server.Mimecast.UndeliverableLines(SimulatorHttp.ClientId);
        undeliverable.Select(u => (u.FileIndex, u.Line, u.Defect)).Should().BeEquivalentTo(
            new[] { (0, 3, LineDefect.InvalidJson), (0, 5, LineDefect.InvalidUtf8), (0, 7, LineDefect.Oversize) }
                .Concat(Enumerable.Range(12, 8).Select(l => (1, l, LineDefect.Truncated))));
        sim.Server.Mimecast.PublishedIdentities(SimulatorHttp.ClientId).Should().HaveCount((3 * 20) - 3 - 8);
    }

    [Fact]
    public async Task A_very_large_file_streams_its_200_000_events()
    {
        await using var sim = await SimulatorHttp.StartAsync(SimulatorHttp.Acme(c => c with
        {
            EventTypes = ["journal"],
            BacklogFiles = 1,
            Files = [new BatchFileShape { Type = "journal", Index = 0, Events = 200_000 }],
        }));
        var page = await sim.ListPage(await sim.Token(), SimulatorHttp.Query("journal"));

        await using var body = await sim.Http.GetStreamAsync(page.Files[0].Url);
        await using var unzip = new GZipStream(body, CompressionMode.Decompress);
        using var reader = new StreamReader(unzip);
        var count = 0;
        while (await reader.ReadLineAsync() is not null)
        {
            count++;
        }

        count.Should().Be(200_000);
    }

    private static bool IsJson(byte[] line)
    {
        try
        {
            using var _ = JsonDocument.Parse(line);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsUtf8(Encoding strict, byte[] line)
    {
        try
        {
            strict.GetString(line);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static byte[] Decode(byte[] gzip)
    {
        using var decoded = new MemoryStream();
        using var unzip = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        unzip.CopyTo(decoded);
        return decoded.ToArray();
    }

    /// <summary>A complete gzip member ends with the CRC-32 and the length (mod 2^32) of what it holds.</summary>
    private static bool TrailerMatches(byte[] gzip, byte[] decoded) =>
        BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 8)) == Crc32.HashToUInt32(decoded) &&
        BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 4)) == (uint)decoded.Length;
}
