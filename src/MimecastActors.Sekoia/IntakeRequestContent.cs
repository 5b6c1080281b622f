using System.IO.Compression;
using System.Net.Http.Headers;

namespace MimecastActors.Sekoia;

/// <summary>
/// The request content of one chunk, compressed once and replayable: the resilience handler resends the same
/// content on every retry, so it must not be a one-shot stream.
/// </summary>
internal static class IntakeRequestContent
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public static HttpContent Create(ReadOnlyMemory<byte> body, bool compress, CompressionLevel level)
    {
        var payload = body;
        if (compress)
        {
            using var packed = new MemoryStream(Math.Max(1024, body.Length / 4));
            using (var gzip = new GZipStream(packed, level, leaveOpen: true))
            {
                gzip.Write(body.Span);
            }

            payload = packed.TryGetBuffer(out var written) ? written.AsMemory() : packed.ToArray();
        }

        var content = new ReadOnlyMemoryContent(payload);
        content.Headers.ContentType = Json;
        if (compress)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return content;
    }
}
