using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;

using Microsoft.Extensions.Time.Testing;

using MimecastActors.Simulator;

namespace MimecastActors.IntegrationTests.Simulator;

/// <summary>A bare HTTP client for the simulator's routes, so the tests see exactly what goes over the wire.</summary>
internal sealed class SimulatorHttp : IAsyncDisposable
{
    public const string ClientId = "acme";
    public const string ClientSecret = "acme-secret";
    public const string IntakeKey = "acme-intake-key";

    private SimulatorHttp(SimulatorServer server, FakeTimeProvider time)
    {
        Server = server;
        Time = time;
        Http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = server.BaseUrl };
    }

    public SimulatorServer Server { get; }

    public FakeTimeProvider Time { get; }

    public HttpClient Http { get; }

    public static ClientScenario Acme(Func<ClientScenario, ClientScenario>? change = null)
    {
        var client = new ClientScenario { ClientId = ClientId, ClientSecret = ClientSecret, AccountId = "CUSB4A274", EventTypes = ["receipt", "url protect"], BacklogFiles = 5, EventsPerFile = 20 };
        return change is null ? client : change(client);
    }

    public static async Task<SimulatorHttp> StartAsync(ClientScenario? client = null, Func<Scenario, Scenario>? change = null)
    {
        // A fixed "now" far from midnight so that date-window tests do not straddle a day.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero));
        var scenario = new Scenario { Seed = 7, Clients = [client ?? Acme()], IntakeKeys = [IntakeKey] };
        return new SimulatorHttp(await SimulatorServer.StartAsync(change is null ? scenario : change(scenario), time), time);
    }

    public async Task<HttpResponseMessage> RequestToken(string clientId = ClientId, string secret = ClientSecret, string grant = "client_credentials") =>
        await Http.PostAsync("oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["grant_type"] = grant,
        }));

    public async Task<string> Token(string clientId = ClientId, string secret = ClientSecret)
    {
        using var response = await RequestToken(clientId, secret);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("access_token").GetString()!;
    }

    public async Task<HttpResponseMessage> List(string? token, string query, Action<HttpRequestMessage>? change = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "siem/v1/batch/events/cg?" + query);
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        change?.Invoke(request);
        return await Http.SendAsync(request);
    }

    public async Task<Page> ListPage(string token, string query)
    {
        using var response = await List(token, query);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return Page.Parse(text);
    }

    public static string Query(string types, int pageSize = 100, string? nextPage = null) =>
        $"type={Uri.EscapeDataString(types).Replace("%20", "+", StringComparison.Ordinal)}&pageSize={pageSize}" +
        (nextPage is null ? "" : "&nextPage=" + Uri.EscapeDataString(nextPage));

    /// <summary>Downloads a blob and decodes it into lines (raw bytes per line).</summary>
    public async Task<List<byte[]>> Lines(string url)
    {
        using var response = await Http.GetAsync(url);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return DecodeLines(await response.Content.ReadAsByteArrayAsync());
    }

    public static List<byte[]> DecodeLines(byte[] gzip)
    {
        using var decoded = new MemoryStream();
        using (var unzip = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress))
        {
            unzip.CopyTo(decoded);
        }

        return SplitLines(decoded.ToArray());
    }

    public static List<byte[]> SplitLines(byte[] text)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == (byte)'\n')
            {
                lines.Add(text[start..i]);
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }

        return lines;
    }

    public static HttpContent IntakeBody(string key, IEnumerable<string> events, bool gzip = false)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new { intake_key = key, jsons = events });
        if (!gzip)
        {
            return new ByteArrayContent(json) { Headers = { ContentType = new("application/json") } };
        }

        using var packed = new MemoryStream();
        using (var zip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(json);
        }

        var content = new ByteArrayContent(packed.ToArray()) { Headers = { ContentType = new("application/json") } };
        content.Headers.ContentEncoding.Add("gzip");
        return content;
    }

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

internal sealed record Page(IReadOnlyList<(string Url, DateTimeOffset Expiry, long Size)> Files, string NextPage, bool IsCaughtUp)
{
    public static Page Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var files = root.GetProperty("value").EnumerateArray()
            .Select(v => (v.GetProperty("url").GetString()!, v.GetProperty("expiry").GetDateTimeOffset(), v.GetProperty("size").GetInt64()))
            .ToList();
        return new Page(files, root.GetProperty("@nextPage").GetString()!, root.GetProperty("isCaughtUp").GetBoolean());
    }

    /// <summary>A file's identity: its URL without the pre-signed query string.</summary>
    public IEnumerable<string> Paths => Files.Select(f => new Uri(f.Url).AbsolutePath);
}
