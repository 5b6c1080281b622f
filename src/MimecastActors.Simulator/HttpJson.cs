using System.Text.Encodings.Web;
using System.Text.Json;

using Microsoft.AspNetCore.Http;

namespace MimecastActors.Simulator;

internal static class HttpJson
{
    // URLs keep their '&' as the real API writes them; the text is JSON, never HTML.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes a JSON object straight to the response (no intermediate DOM), returning the status for call logs.</summary>
    public static async Task<int> Write(HttpContext http, int status, Action<Utf8JsonWriter> body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await using (var writer = new Utf8JsonWriter(http.Response.BodyWriter, Options))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return status;
    }
}
