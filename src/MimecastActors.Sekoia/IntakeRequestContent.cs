using System.Net;
using System.Net.Http.Headers;

namespace MimecastActors.Sekoia;

/// <summary>
/// The request content of one chunk: its events as they are held, compressed, inside one gzip member, or its
/// decompressed <see cref="IntakeChunk.Body"/> when the intake is configured without compression. Written anew for every attempt, as the resilience handler
/// resends the same content on a retry; its length is known before it is written.
/// </summary>
internal sealed class IntakeRequestContent : HttpContent
{
    private readonly IntakeChunk _chunk;
    private readonly bool _compress;

    public IntakeRequestContent(IntakeChunk chunk, bool compress)
    {
        _chunk = chunk;
        _compress = compress;
        Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (compress)
        {
            Headers.ContentEncoding.Add("gzip");
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        _compress ? _chunk.WriteGzipToAsync(stream, cancellationToken) : stream.WriteAsync(_chunk.Body, cancellationToken).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = _compress ? _chunk.GzipLength : _chunk.BodyLength;
        return true;
    }
}
