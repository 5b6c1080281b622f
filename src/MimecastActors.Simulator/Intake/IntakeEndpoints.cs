using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

using MimecastActors.Simulator.Mimecast;

namespace MimecastActors.Simulator.Intake;

/// <summary>`POST /batch`: the Sekoia.io intake endpoint the official connectors use.</summary>
public static class IntakeEndpoints
{
    public static void MapIntake(this IEndpointRouteBuilder app, IntakeSimulator intake) =>
        app.MapPost("/batch", (HttpContext http) => Batch(http, intake));

    private static async Task Batch(HttpContext http, IntakeSimulator intake)
    {
        intake.CountArrival();
        if (intake.ActiveOutage(intake.Time.GetUtcNow()) is { } outage)
        {
            if (outage.RetryAfter is { } wait)
            {
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            await Message(http, outage.Status, outage.Status == 429 ? "Too Many Requests" : "Service Unavailable");
            return;
        }

        if (intake.Latency > TimeSpan.Zero)
        {
            await Task.Delay(intake.Latency, intake.Time, http.RequestAborted);
        }

        var encoding = http.Request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
        {
            await Message(http, 415, $"Unsupported Content-Encoding '{encoding}'");
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(InitialBodyBuffer(http.Request.ContentLength, encoding.Length > 0, intake.MaxBodyBytes));
        try
        {
            int length;
            try
            {
                (buffer, length) = await ReadBody(http.Request.Body, encoding.Length > 0, intake.MaxBodyBytes, buffer, http.RequestAborted);
            }
            catch (InvalidDataException)
            {
                await Message(http, 400, "The body is not valid gzip");
                return;
            }

            if (length > intake.MaxBodyBytes)
            {
                await Message(http, 413, $"Request Entity Too Large: the body exceeds {intake.MaxBodyBytes} bytes");
                return;
            }

            if (!TryParse(buffer.AsSpan(0, length), out var key, out var identities, out var oversize, out var problem))
            {
                await Message(http, 400, problem);
                return;
            }

            if (!intake.IsKnown(key))
            {
                await Message(http, 401, "Unknown intake key");
                return;
            }

            intake.Record(key).Record(buffer.AsSpan(0, length), identities, oversize);
            await HttpJson.Write(http, 200, w =>
            {
                w.WriteStartArray("event_ids");
                var ids = EventIds.Next(identities.Count + oversize);
                for (var i = 0; i < identities.Count + oversize; i++)
                {
                    w.WriteStringValue(ids.At(i));
                }

                w.WriteEndArray();
            });
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the whole body (decoded), stopping one byte past the limit.</summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBody(Stream body, bool gzip, long limit, byte[] buffer, CancellationToken cancel)
    {
        var source = gzip ? new GZipStream(body, CompressionMode.Decompress, leaveOpen: true) : body;
        try
        {
            return await ReadAll(source, limit, buffer, cancel);
        }
        finally
        {
            if (gzip)
            {
                await source.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A buffer likely to hold the decoded body at once: growing from 64 KiB copied a 10 MB body about eight times
    /// over (gzip bodies of escaped events decode to 4–5 times their size).
    /// </summary>
    private static int InitialBodyBuffer(long? contentLength, bool gzip, long limit)
    {
        const int Smallest = 64 * 1024;
        var expected = contentLength is { } length ? (gzip ? length * 6 : length + 1) : Smallest;
        return (int)Math.Clamp(expected, Smallest, Math.Max(Smallest, Math.Min(limit + 1, Array.MaxLength)));
    }

    private static async Task<(byte[] Buffer, int Length)> ReadAll(Stream source, long limit, byte[] buffer, CancellationToken cancel)
    {
        var length = 0;
        while (length <= limit)
        {
            if (length == buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                buffer.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }

            var read = await source.ReadAsync(buffer.AsMemory(length), cancel);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return (buffer, length);
    }

    /// <summary>What may not appear raw inside a JSON string: the quote and backslash, and control characters.</summary>
    private static readonly SearchValues<byte> StringSpecials = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    private static readonly SearchValues<byte> HexDigits = SearchValues.Create("0123456789abcdefABCDEF"u8);

    private const string NotAnEnvelope = "The body must be a JSON object with `intake_key` and `jsons`";

    /// <summary>
    /// Parses `{"intake_key": "...", "jsons": ["event", ...]}` and identifies each event. The envelope is walked by
    /// hand: <see cref="Utf8JsonReader"/> checks a string with escapes byte by byte, and every event is such a string,
    /// which made the simulator's intake take a third of the cores it shares with the node in the end-to-end bench.
    /// Every string is still checked as the reader would (escapes, control characters; UTF-8 once for the body), and
    /// other members are skipped by the reader itself. A member name written with escapes is not recognised.
    /// </summary>
    internal static bool TryParse(
        ReadOnlySpan<byte> body, out string key, out List<EventIdentity> identities, out int oversize, out string problem)
    {
        key = "";
        identities = [];
        oversize = 0;
        problem = "";
        var sawJsons = false;
        if (!Utf8.IsValid(body))
        {
            problem = "The body is not valid JSON: it is not valid UTF-8";
            return false;
        }

        var at = Space(body, 0);
        if (at >= body.Length || body[at] != '{')
        {
            problem = NotAnEnvelope;
            return false;
        }

        at = Space(body, at + 1);
        var more = at >= body.Length || body[at] != '}';
        if (!more)
        {
            at++;
        }

        while (more)
        {
            var nameStart = at;
            if (!TryString(body, at, out var nameEnd) || (at = Space(body, nameEnd)) >= body.Length || body[at] != ':')
            {
                return NotJson(Math.Max(at, nameEnd), out problem);
            }

            var name = body[(nameStart + 1)..(nameEnd - 1)];
            at = Space(body, at + 1);
            if (name.SequenceEqual("intake_key"u8))
            {
                if (at >= body.Length || body[at] != '"' || !TryString(body, at, out var end) || Unescape(body[at..end]) is not { } text)
                {
                    problem = "`intake_key` must be a string";
                    return false;
                }

                key = text;
                at = end;
            }
            else if (name.SequenceEqual("jsons"u8))
            {
                if (at >= body.Length || body[at] != '[')
                {
                    problem = "`jsons` must be an array of strings";
                    return false;
                }

                sawJsons = true;
                at = Space(body, at + 1);
                var items = at >= body.Length || body[at] != ']';
                if (!items)
                {
                    at++;
                }

                while (items)
                {
                    if (at >= body.Length || body[at] != '"')
                    {
                        problem = "`jsons` must be an array of strings";
                        return false;
                    }

                    if (!TryString(body, at, out var end))
                    {
                        return NotJson(end, out problem);
                    }

                    Identify(body, at, end, identities, ref oversize);
                    at = end;
                    if (!TryNext(body, ref at, (byte)']', out items))
                    {
                        return NotJson(at, out problem);
                    }
                }
            }
            else
            {
                try
                {
                    var reader = new Utf8JsonReader(body[at..], new JsonReaderOptions { AllowMultipleValues = true });
                    reader.Read();
                    reader.Skip();
                    at += (int)reader.BytesConsumed;
                }
                catch (JsonException e)
                {
                    problem = $"The body is not valid JSON: {e.Message}";
                    return false;
                }
            }

            if (!TryNext(body, ref at, (byte)'}', out more))
            {
                return NotJson(at, out problem);
            }
        }

        if (Space(body, at) != body.Length)
        {
            return NotJson(at, out problem);
        }

        if (key.Length == 0 || !sawJsons)
        {
            problem = NotAnEnvelope;
            return false;
        }

        return true;
    }

    /// <summary>One event, as the quoted JSON string it came in: body[<paramref name="at"/>..<paramref name="end"/>].</summary>
    private static void Identify(ReadOnlySpan<byte> body, int at, int end, List<EventIdentity> identities, ref int oversize)
    {
        // Most events start with their identity and need no unescaping to be told apart; an escaped event no longer
        // than the limit cannot be over it once unescaped.
        var escaped = body[(at + 1)..(end - 1)];
        if (escaped.Length <= BatchFileGenerator.IntakeMaxEventChars && SimulatedEvent.TryFindEscapedIdentity(escaped, out var start, out var length))
        {
            identities.Add(EventIdentity.InBody(at + 1 + start, length));
            return;
        }

        var reader = new Utf8JsonReader(body[at..end]);
        reader.Read();
        if (!reader.TryGetUnescaped(out var text))
        {
            identities.Add(EventIdentity.None); // a lone surrogate escape: valid JSON, but no text
            return;
        }

        if (text.Length > BatchFileGenerator.IntakeMaxEventChars && Encoding.UTF8.GetCharCount(text) > BatchFileGenerator.IntakeMaxEventChars)
        {
            oversize++;
            return;
        }

        identities.Add(EventIdentity.Read(SimulatedEvent.TryReadIdentity(text, out var identity) ? identity : null));
    }

    /// <summary>Whether a valid JSON string starts at <paramref name="at"/> (its opening quote); <paramref name="end"/> is one past its closing quote, or where it went wrong.</summary>
    private static bool TryString(ReadOnlySpan<byte> body, int at, out int end)
    {
        end = at + 1;
        if (at >= body.Length || body[at] != '"')
        {
            end = at;
            return false;
        }

        // An escaped event has a backslash every few bytes: look at 32 bytes at once and walk the specials among them.
        ref var start = ref MemoryMarshal.GetReference(body);
        while (end <= body.Length - 32)
        {
            var block = Vector256.LoadUnsafe(ref start, (nuint)end);
            var quotes = Vector256.Equals(block, Vector256.Create((byte)'"')).ExtractMostSignificantBits();
            var backslashes = Vector256.Equals(block, Vector256.Create((byte)'\\')).ExtractMostSignificantBits();
            var controls = Vector256.LessThan(block, Vector256.Create((byte)0x20)).ExtractMostSignificantBits();
            var next = end + 32;

            // Most blocks of an escaped event hold nothing but escaped quotes: every backslash is followed by a quote
            // inside the block and every quote follows a backslash. Anything else (another escape, the closing
            // quote, a control character) is walked one special at a time below.
            if (controls == 0 && backslashes << 1 == quotes && backslashes >> 31 == 0)
            {
                end = next;
                continue;
            }

            var specials = quotes | backslashes | controls;
            while (specials != 0)
            {
                var special = end + BitOperations.TrailingZeroCount(specials);
                var after = Special(body, special);
                if (after <= special)
                {
                    end = after == 0 ? special + 1 : special; // 0: the closing quote
                    return after == 0;
                }

                if (after >= next)
                {
                    next = after; // the escape runs past this block: go on after it
                    break;
                }

                specials &= ~((1u << (after - end)) - 1);
            }

            end = next;
        }

        while (true)
        {
            var special = body[end..].IndexOfAny(StringSpecials);
            if (special < 0)
            {
                end = body.Length;
                return false;
            }

            end += special;
            var after = Special(body, end);
            if (after <= end)
            {
                end = after == 0 ? end + 1 : end;
                return after == 0;
            }

            end = after;
        }
    }

    /// <summary>
    /// What a quote, backslash or control character at <paramref name="at"/> inside a string means: one past its escape,
    /// 0 for the closing quote (the caller steps over it), or -1 when the string is not valid there.
    /// </summary>
    private static int Special(ReadOnlySpan<byte> body, int at)
    {
        if (body[at] == '"')
        {
            return 0;
        }

        if (body[at] != '\\' || at + 1 >= body.Length)
        {
            return -1; // a raw control character, or a backslash at the very end
        }

        var escape = body[at + 1];
        if (escape == 'u')
        {
            return at + 6 <= body.Length && !body.Slice(at + 2, 4).ContainsAnyExcept(HexDigits) ? at + 6 : -1;
        }

        return escape is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t' ? at + 2 : -1;
    }

    private static bool TryGetUnescaped(this ref Utf8JsonReader reader, out byte[] text)
    {
        try
        {
            text = Encoding.UTF8.GetBytes(reader.GetString()!);
            return true;
        }
        catch (InvalidOperationException)
        {
            text = [];
            return false;
        }
    }

    private static string? Unescape(ReadOnlySpan<byte> quoted)
    {
        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        return reader.TryGetUnescaped(out var text) ? Encoding.UTF8.GetString(text) : null;
    }

    /// <summary>After a member or an item: a comma and the next one (<paramref name="more"/>), or the closing bracket; false when neither.</summary>
    private static bool TryNext(ReadOnlySpan<byte> body, ref int at, byte close, out bool more)
    {
        at = Space(body, at);
        more = at < body.Length && body[at] == ',';
        if (more || (at < body.Length && body[at] == close))
        {
            at = more ? Space(body, at + 1) : at + 1;
            return true;
        }

        return false;
    }

    private static int Space(ReadOnlySpan<byte> body, int at)
    {
        while (at < body.Length && body[at] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            at++;
        }

        return at;
    }

    private static bool NotJson(int at, out string problem)
    {
        problem = $"The body is not valid JSON at byte {at}";
        return false;
    }

    private static Task<int> Message(HttpContext http, int status, string message) =>
        HttpJson.Write(http, status, w => w.WriteString("message", message));
}
