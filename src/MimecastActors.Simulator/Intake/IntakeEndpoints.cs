using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

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

        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
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

            intake.Record(key).Record(identities, oversize);
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

    /// <summary>Parses `{"intake_key": "...", "jsons": ["event", ...]}` and identifies each event.</summary>
    private static bool TryParse(
        ReadOnlySpan<byte> body, out string key, out List<string?> identities, out int oversize, out string problem)
    {
        key = "";
        identities = [];
        oversize = 0;
        problem = "";
        var sawJsons = false;
        var scratch = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "The body must be a JSON object with `intake_key` and `jsons`";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("intake_key"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        problem = "`intake_key` must be a string";
                        return false;
                    }

                    key = reader.GetString()!;
                }
                else if (reader.ValueTextEquals("jsons"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        problem = "`jsons` must be an array of strings";
                        return false;
                    }

                    sawJsons = true;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            problem = "`jsons` must be an array of strings";
                            return false;
                        }

                        // Most events start with their identity and need no unescaping to be told apart; an
                        // escaped event no longer than the limit cannot be over it once unescaped.
                        if (reader.ValueSpan.Length <= BatchFileGenerator.IntakeMaxEventChars
                            && SimulatedEvent.TryReadEscapedIdentity(reader.ValueSpan, out var quick))
                        {
                            identities.Add(quick);
                            continue;
                        }

                        if (scratch.Length < reader.ValueSpan.Length)
                        {
                            ArrayPool<byte>.Shared.Return(scratch);
                            scratch = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
                        }

                        var written = reader.CopyString(scratch);
                        var text = scratch.AsSpan(0, written);
                        if (written > BatchFileGenerator.IntakeMaxEventChars && Encoding.UTF8.GetCharCount(text) > BatchFileGenerator.IntakeMaxEventChars)
                        {
                            oversize++;
                            continue;
                        }

                        identities.Add(SimulatedEvent.TryReadIdentity(text, out var identity) ? identity : null);
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException e)
        {
            problem = $"The body is not valid JSON: {e.Message}";
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }

        if (key.Length == 0 || !sawJsons)
        {
            problem = "The body must have `intake_key` and `jsons`";
            return false;
        }

        return true;
    }

    private static Task<int> Message(HttpContext http, int status, string message) =>
        HttpJson.Write(http, status, w => w.WriteString("message", message));
}
