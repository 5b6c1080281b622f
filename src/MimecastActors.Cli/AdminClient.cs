using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MimecastActors.Cli;

/// <summary>The node answered, with an error: its own message (`{"error":"…"}`) when it gave one.</summary>
internal sealed class NodeErrorException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>What the operator gave is wrong (a file that cannot be read, JSON that does not parse); nothing was sent.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>No answer from the node at all.</summary>
internal sealed class NodeUnreachableException(Uri host, string reason) : Exception($"cannot reach the node at {host}: {reason}");

/// <summary>
/// A node's admin API over HTTP. Answers come back as JSON trees, so that `--json` prints exactly what the node said and
/// tables read the same tree through the records in <see cref="AdminViews"/>.
/// </summary>
internal sealed class AdminClient : IDisposable
{
    /// <summary>Longer than the node's own 5 s wait for a tenant, so the node's "did not answer" arrives instead of ours.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;

    public AdminClient(Uri host, string? token)
    {
        _http = new HttpClient { BaseAddress = host, Timeout = Patience };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public Uri Host => _http.BaseAddress!;

    public async Task<JsonNode> GetAsync(string path, CancellationToken cancel) =>
        JsonNode.Parse(await SendAsync(HttpMethod.Get, path, content: null, cancel)) ?? new JsonObject();

    public async Task<JsonNode> PostAsync(string path, object? body, CancellationToken cancel)
    {
        using var content = body is null ? null : JsonContent.Create(body, options: AdminViews.Json);
        return JsonNode.Parse(await SendAsync(HttpMethod.Post, path, content, cancel)) ?? new JsonObject();
    }

    /// <summary>Sends a JSON body as it is (a tenant's file): POST to add, PUT to replace.</summary>
    public async Task<JsonNode> SendJsonAsync(HttpMethod method, string path, JsonNode body, CancellationToken cancel)
    {
        using var content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        return JsonNode.Parse(await SendAsync(method, path, content, cancel)) ?? new JsonObject();
    }

    public async Task<JsonNode> DeleteAsync(string path, CancellationToken cancel) =>
        JsonNode.Parse(await SendAsync(HttpMethod.Delete, path, content: null, cancel)) ?? new JsonObject();

    /// <summary>A text answer (the Prometheus scrape).</summary>
    public Task<string> GetTextAsync(string path, CancellationToken cancel) => SendAsync(HttpMethod.Get, path, content: null, cancel);

    public void Dispose() => _http.Dispose();

    /// <summary>A path segment from what the operator typed (a tenant id may hold any character).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    private async Task<string> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        HttpResponseMessage response;
        string body;
        try
        {
            response = await _http.SendAsync(request, cancel);
            body = await response.Content.ReadAsStringAsync(cancel);
        }
        catch (HttpRequestException e)
        {
            // "Connection refused (127.0.0.1:9110)" says it all; TLS failures hide their reason one level down.
            throw new NodeUnreachableException(Host, e.InnerException is { } inner && e.Message.Contains("inner exception", StringComparison.Ordinal) ? inner.Message : e.Message);
        }
        catch (TaskCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new NodeUnreachableException(Host, $"no answer within {Patience.TotalSeconds:0} s");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new NodeErrorException((int)response.StatusCode, ErrorOf(body)
                    ?? $"the node answered {(int)response.StatusCode} {response.ReasonPhrase} to {method} /{path} (is it a MimecastActors node of this version?)");
            }
        }

        return body;
    }

    private static string? ErrorOf(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["error"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
