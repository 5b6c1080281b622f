using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;

using Microsoft.Extensions.Logging;

using Polly.Timeout;

namespace MimecastActors.Sekoia;

/// <summary>
/// Sends chunks to one tenant's intake (<c>POST {url}/batch</c>). Transient failures are retried by the resilience
/// handler of the named HttpClient; what is left is turned into an <see cref="IntakeOutcome"/>, so a chunk always
/// ends acknowledged or handed back, never dropped. Thread-safe; create one per tenant with
/// <see cref="SekoiaIntakeClientFactory"/>.
/// </summary>
public sealed partial class SekoiaIntakeClient
{
    /// <summary>The named HttpClient (and resilience pipeline) every intake client uses.</summary>
    public const string HttpClientName = "MimecastActors.Sekoia.Intake";

    /// <summary>More than any answer of the intake: 10,000 event ids take about 400 KB.</summary>
    private const int MaxResponseBytes = 16 * 1024 * 1024;

    private readonly IHttpClientFactory _http;
    private readonly SekoiaIntakeOptions _options;
    private readonly ILogger _log;
    private readonly string _intakeKey;
    private readonly byte[] _prefix;

    internal SekoiaIntakeClient(Uri intakeUrl, string intakeKey, IHttpClientFactory http, SekoiaIntakeOptions options, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(intakeUrl);
        ArgumentException.ThrowIfNullOrEmpty(intakeKey);
        if (!intakeUrl.IsAbsoluteUri)
        {
            throw new ArgumentException("The intake URL must be absolute.", nameof(intakeUrl));
        }

        IntakeUrl = intakeUrl;
        BatchUrl = new Uri(intakeUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/batch");
        _intakeKey = intakeKey;
        _prefix = IntakeBody.Prefix(intakeKey);
        _http = http;
        _options = options;
        _log = log;
    }

    /// <summary>The tenant's intake base URL, e.g. <c>https://intake.sekoia.io</c>.</summary>
    public Uri IntakeUrl { get; }

    /// <summary>Where chunks are posted.</summary>
    public Uri BatchUrl { get; }

    /// <summary>A builder for this intake's key, with the configured body and event limits and compression level.</summary>
    public IntakeChunkBuilder CreateChunkBuilder() =>
        new(_intakeKey, _options.MaxBodyBytes, _options.MaxEventsPerChunk, _options.CompressionLevel);

    /// <summary>Whether one request of <paramref name="events"/> events and a body of <paramref name="bodyBytes"/> bytes stays within this client's limits.</summary>
    public bool FitsOneRequest(int events, int bodyBytes) => events <= _options.MaxEventsPerChunk && bodyBytes <= _options.MaxBodyBytes;

    /// <summary>
    /// The chunks (built by this client's builders) as one chunk for one request: many small chunks cost the intake,
    /// the network and this node a request each, whatever their events. The combined chunk takes the chunks over
    /// (disposing it disposes them) and is written from their compressed events.
    /// </summary>
    /// <exception cref="ArgumentException">A chunk was built for another intake key, or together they exceed this client's limits (the chunks stay the caller's).</exception>
    public IntakeChunk Combine(IReadOnlyList<IntakeChunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunks.Count, 1, nameof(chunks));
        if (chunks.Any(c => !c.HasPrefix(_prefix)))
        {
            throw new ArgumentException("A chunk was built for another intake key.", nameof(chunks));
        }

        var (events, bytes) = (chunks.Sum(c => c.EventCount), IntakeChunk.CombinedBodyLength(chunks));
        if (!FitsOneRequest(events, bytes))
        {
            throw new ArgumentException($"Together the chunks exceed one request ({events} events, {bytes} bytes).", nameof(chunks));
        }

        return IntakeChunk.Combine(chunks);
    }

    /// <summary>
    /// Sends a chunk; on 413 sends its two halves in order (recursively), so that the outcome can say how many
    /// events at the front were acknowledged. Cancellation by the caller throws and the whole chunk counts as not
    /// acknowledged (if a split was under way its first half may have arrived: resending duplicates, never loses).
    /// </summary>
    public async Task<IntakeOutcome> SendAsync(IntakeChunk chunk, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (!chunk.HasPrefix(_prefix))
        {
            throw new ArgumentException("The chunk was built for another intake key.", nameof(chunk));
        }

        var outcome = await SendOrSplitAsync(chunk, cancellationToken);
        switch (outcome)
        {
            case IntakeOutcome.RetryLater r:
                LogRetryLater(_log, chunk.EventCount - r.AcknowledgedCount, r.Attempts, r.Reason);
                break;
            case IntakeOutcome.Fatal f:
                LogFatal(_log, f.Message);
                break;
            case IntakeOutcome.TooLarge t:
                LogTooLarge(_log, t.Message);
                break;
        }

        return outcome;
    }

    public override string ToString() => $"SekoiaIntakeClient({BatchUrl})";

    private async Task<IntakeOutcome> SendOrSplitAsync(IntakeChunk chunk, CancellationToken cancel)
    {
        var (outcome, attempts) = await PostAsync(chunk, cancel);
        if (outcome is not null)
        {
            return outcome;
        }

        if (chunk.EventCount == 1)
        {
            return new IntakeOutcome.TooLarge(
                $"The intake at {BatchUrl} answered 413 (Request Entity Too Large) to a single event of {chunk.BodyLength} encoded bytes; " +
                "set that event aside and send the rest.",
                AcknowledgedCount: 0, attempts);
        }

        LogSplitting(_log, BatchUrl, chunk.EventCount, chunk.BodyLength);
        var (first, second) = chunk.Split();

        // The halves are copies in pooled blocks of their own: back to the pool once answered.
        using (first)
        using (second)
        {
            var head = await SendOrSplitAsync(first, cancel);
            if (head is not IntakeOutcome.Acknowledged)
            {
                return head with { Attempts = attempts + head.Attempts };
            }

            var tail = await SendOrSplitAsync(second, cancel);
            return tail with { AcknowledgedCount = first.EventCount + tail.AcknowledgedCount, Attempts = attempts + head.Attempts + tail.Attempts };
        }
    }

    /// <summary>One request through the resilience pipeline; a null outcome means 413.</summary>
    private async Task<(IntakeOutcome? Outcome, int Attempts)> PostAsync(IntakeChunk chunk, CancellationToken cancel)
    {
        using var content = new IntakeRequestContent(chunk, _options.Compress);
        using var request = new HttpRequestMessage(HttpMethod.Post, BatchUrl) { Content = content };
        var attempts = new StrongBox<int>();
        request.Options.Set(AttemptCountingHandler.Attempts, attempts);
        using var http = _http.CreateClient(HttpClientName);
        byte[]? body = null;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
            (body, var length) = await ReadBodyAsync(response.Content, cancel);
            var tries = Math.Max(1, attempts.Value);
            return response.StatusCode == HttpStatusCode.RequestEntityTooLarge ? (null, tries) : (Interpret(response, body.AsSpan(0, length), chunk, tries), tries);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutRejectedException or OperationCanceledException)
        {
            var tries = Math.Max(1, attempts.Value);
            var what = e switch
            {
                HttpRequestException => $"could not reach the intake at {BatchUrl}: {e.Message}",
                IOException => $"could not read the answer of the intake at {BatchUrl}: {e.Message}",
                _ => $"the intake at {BatchUrl} did not answer in time",
            };
            return (new IntakeOutcome.RetryLater($"After {tries} attempt(s), {what}", StatusCode: null, RetryAfter: null, AcknowledgedCount: 0, tries), tries);
        }
        finally
        {
            if (body is not null)
            {
                ArrayPool<byte>.Shared.Return(body);
            }
        }
    }

    /// <summary>
    /// The response body in a pooled buffer (return it). An acknowledgement lists one id per event, 400 KB for a full
    /// chunk: buffered by HttpClient and copied into an array of its own, each one cost the large object heap twice.
    /// The body is read after the resilience pipeline has let the response go, so it gets an attempt's time of its own.
    /// </summary>
    /// <exception cref="IOException">The body was cut, or is larger than any answer of the intake.</exception>
    private async Task<(byte[] Body, int Length)> ReadBodyAsync(HttpContent content, CancellationToken cancel)
    {
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        reading.CancelAfter(_options.AttemptTimeout);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(content.Headers.ContentLength ?? 0, 4096, MaxResponseBytes) + 1);
        var length = 0;
        try
        {
            await using var stream = await content.ReadAsStreamAsync(reading.Token);
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(length), reading.Token)) > 0)
            {
                length += read;
                if (length == buffer.Length)
                {
                    if (length > MaxResponseBytes)
                    {
                        throw new IOException($"the answer is larger than {MaxResponseBytes / (1024 * 1024)} MiB");
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(2 * buffer.Length, MaxResponseBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private IntakeOutcome Interpret(HttpResponseMessage response, ReadOnlySpan<byte> body, IntakeChunk chunk, int attempts)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            var ids = IntakeResponse.CountEventIds(body);
            return ids == chunk.EventCount
                ? new IntakeOutcome.Acknowledged(chunk.EventCount, attempts)
                : new IntakeOutcome.RetryLater(
                    $"The intake at {BatchUrl} answered {status} with {(ids is { } n ? $"{n} event ids" : "no event_ids")} for {chunk.EventCount} events; " +
                    "delivery is not proven, so the chunk is handed back.",
                    status, RetryAfter: null, AcknowledgedCount: 0, attempts);
        }

        var said = Describe(response, body);
        if (status is 408 or 429 or >= 500)
        {
            return new IntakeOutcome.RetryLater(
                $"After {attempts} attempt(s), the intake at {BatchUrl} still answered {said}", status, RetryAfter(response), AcknowledgedCount: 0, attempts);
        }

        var hint = status switch
        {
            401 or 403 => " Check the tenant's intake key.",
            404 or (>= 300 and < 400) => " Check the tenant's intake URL.",
            _ => "",
        };
        return new IntakeOutcome.Fatal($"The intake at {BatchUrl} refused the chunk with {said}.{hint}", status, AcknowledgedCount: 0, attempts);
    }

    /// <summary>Status, reason and the intake's JSON message, with the intake key masked in case the intake echoes it.</summary>
    private string Describe(HttpResponseMessage response, ReadOnlySpan<byte> body)
    {
        var text = $"{(int)response.StatusCode} ({response.ReasonPhrase ?? response.StatusCode.ToString()})";
        if (IntakeResponse.Message(body) is { Length: > 0 } message)
        {
            text += $": {Redact(message)}";
        }

        return text;
    }

    private string Redact(string text) =>
        _intakeKey.Length >= 6 ? text.Replace(_intakeKey, "<intake key>", StringComparison.Ordinal) : text;

    private static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow is { Ticks: > 0 } wait ? wait : TimeSpan.Zero,
            _ => null,
        };

    [LoggerMessage(Level = LogLevel.Debug, Message = "The intake at {Url} refused a chunk of {Events} events ({Bytes} bytes) as too large; sending it in two halves")]
    private static partial void LogSplitting(ILogger log, Uri url, int events, int bytes);

    // Debug: the outcome goes back to the caller, which decides what it means and says so (the node's forwarder and puller).
    [LoggerMessage(Level = LogLevel.Debug, Message = "Handing {Events} events back to send later after {Attempts} attempts: {Reason}")]
    private static partial void LogRetryLater(ILogger log, int events, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Message}")]
    private static partial void LogFatal(ILogger log, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Message}")]
    private static partial void LogTooLarge(ILogger log, string message);
}
