using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

using MimecastActors.Simulator;

namespace MimecastActors.Benchmarks;

/// <summary>
/// Runs every endpoint of a freshly started simulator once, for a tenant of its own, before the node starts. The
/// services the simulator stands for are running and warm; the simulator compiles its routes, JSON writers and
/// intake parser on its first requests, which would otherwise lie on the node's path to its first event (`perf`
/// found a quarter of a second of the simulator's JIT there). The warm-up tenant is not configured in the node,
/// and nothing it does is counted: the intake counts per intake key, the Mimecast figures per tenant.
/// </summary>
internal static class SimulatorWarmUp
{
    public static ClientScenario Client(RateLimitScenario rateLimit) => new()
    {
        ClientId = "warm-up",
        ClientSecret = "secret-warm-up",
        AccountId = "CUS99999",
        BacklogFiles = 1,
        EventsPerFile = 10,
        PublishInterval = TimeSpan.Zero,
        RateLimit = rateLimit,
    };

    /// <summary>A token, a listing per event type, each listed file, and its events posted to the intake (gzip).</summary>
    /// <returns>The number of events the intake accepted.</returns>
    public static async Task<int> RunAsync(SimulatorServer server, ClientScenario client)
    {
        using var http = new HttpClient();
        using var credentials = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = client.ClientId,
            ["client_secret"] = client.ClientSecret,
        });
        using var token = await Expect(http.PostAsync(new Uri(server.MimecastUrl, "oauth/token"), credentials));
        AuthenticationHeaderValue bearer;
        using (var body = JsonDocument.Parse(await token.Content.ReadAsStringAsync()))
        {
            bearer = new AuthenticationHeaderValue("Bearer", body.RootElement.GetProperty("access_token").GetString());
        }

        var events = new List<byte[]>();
        foreach (var type in client.EventTypes)
        {
            using var list = new HttpRequestMessage(HttpMethod.Get, new Uri(server.MimecastUrl, $"siem/v1/batch/events/cg?type={type}&pageSize=100"));
            list.Headers.Authorization = bearer; // the listing only: a pre-signed URL refuses a second authentication, as S3 does
            using var listing = await Expect(http.SendAsync(list));
            using var page = JsonDocument.Parse(await listing.Content.ReadAsStringAsync());
            foreach (var file in page.RootElement.GetProperty("value").EnumerateArray())
            {
                using var blob = await Expect(http.GetAsync(new Uri(file.GetProperty("url").GetString()!)));
                await using var lines = new GZipStream(await blob.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
                using var reader = new StreamReader(lines, Encoding.UTF8);
                while (await reader.ReadLineAsync() is { Length: > 0 } line)
                {
                    events.Add(Encoding.UTF8.GetBytes(line));
                }
            }
        }

        using var content = new ByteArrayContent(SimulatorThroughput.IntakeBody(ScenarioFile.IntakeKeyOf(client.ClientId), events));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var accepted = await Expect(http.PostAsync(new Uri(server.IntakeUrl, "batch"), content));
        return events.Count;
    }

    private static async Task<HttpResponseMessage> Expect(Task<HttpResponseMessage> request)
    {
        var response = await request;
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw new InvalidOperationException($"simulator warm-up: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        return response;
    }
}
