using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using System.Xml.Linq;

using Microsoft.Extensions.Logging;

namespace MimecastActors.Mimecast;

/// <summary>
/// Streams a batch file HTTP → gzip → lines with bounded buffers whatever its size: one task decompresses into
/// pooled blocks while the caller's task splits, checks and hands on lines, so the two cores share the work.
/// Lines are handed on as their original bytes. A truncated stream is detected by the gzip trailer (CRC-32 and
/// length), because .NET's GZipStream reports no error when its input ends early.
/// </summary>
public sealed partial class BatchFileReader(IHttpClientFactory http, MimecastClientOptions options, ILogger<BatchFileReader> log)
{
    private const int BlockSize = 128 * 1024;

    /// <summary>How much is read from the socket at a time, at least.</summary>
    private const int SocketReadSize = 80 * 1024;
    private const int BlocksInFlight = 4;

    public async Task<BatchFileOutcome> ReadAsync(BatchFileRef file, long skipLines, IBatchLineSink sink, CancellationToken cancel)
    {
        HttpResponseMessage response;
        try
        {
            // No Authorization header: the URL is pre-signed, and S3 refuses a request that carries both.
            response = await http.CreateClient(MimecastHttpClients.Blobs).GetAsync(file.Url, HttpCompletionOption.ResponseHeadersRead, cancel);
        }
        catch (Exception e) when (MimecastApiClient.IsTransport(e, cancel))
        {
            return new FileFailed(file, 0, null, $"batch file {file} got no answer: {e.Message}", IsTransient: true);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                var message = S3Message(await response.Content.ReadAsStringAsync(cancel));
                return response.StatusCode switch
                {
                    HttpStatusCode.Forbidden => new FileExpired(file, $"batch file {file} is no longer served (403 {message}); re-list the page for a fresh URL"),
                    _ => new FileFailed(file, 0, status, $"batch file {file} answered {status} ({message})", IsTransient: status is >= 500 or 408 or 429),
                };
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancel);
            return await ReadLinesAsync(file, new TrailerStream(body, options.BlobIdleTimeout), skipLines, sink, cancel);
        }
    }

    private async Task<BatchFileOutcome> ReadLinesAsync(BatchFileRef file, TrailerStream compressed, long skipLines, IBatchLineSink sink, CancellationToken cancel)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var blocks = Channel.CreateBounded<Block>(new BoundedChannelOptions(BlocksInFlight) { SingleReader = true, SingleWriter = true });
        var decompression = Task.Run(() => DecompressAsync(compressed, blocks.Writer, stop.Token), stop.Token);
        var lines = new LineSplitter(file, skipLines, sink, options);
        try
        {
            await foreach (var block in blocks.Reader.ReadAllAsync(stop.Token))
            {
                try
                {
                    await lines.FeedAsync(block.Memory, stop.Token);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(block.Buffer);
                }
            }

            var decoded = await decompression;
            if (!decoded.TrailerMatches(compressed.LastEight))
            {
                LogTruncated(log, file.Identity, lines.LinesRead, compressed.BytesRead);
                return new FileTruncated(file, lines.LinesRead, compressed.BytesRead,
                    $"the gzip stream of {file} ends early (no valid trailer after {compressed.BytesRead:N0} compressed bytes); {lines.LinesRead:N0} whole lines were read");
            }

            await lines.FinishAsync(stop.Token);
            return new FileRead(file, lines.LinesRead, lines.Events, lines.Rejected, compressed.BytesRead, decoded.Length);
        }
        catch (InvalidDataException e)
        {
            return new FileTruncated(file, lines.LinesRead, compressed.BytesRead, $"the gzip stream of {file} is corrupt after {compressed.BytesRead:N0} compressed bytes: {e.Message}");
        }
        catch (BatchLineNotTakenException e)
        {
            return new FileFailed(file, lines.LinesRead, 200, $"batch file {file} was read to line {lines.LinesRead:N0}, which could not be taken: {e.Message}", IsTransient: true);
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancel.IsCancellationRequested)
        {
            return new FileFailed(file, lines.LinesRead, 200, $"batch file {file} was cut after {lines.LinesRead:N0} lines: {e.Message}", IsTransient: true);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAny(decompression); // never leave the decompression task behind, whatever ended the read
            while (blocks.Reader.TryRead(out var left))
            {
                ArrayPool<byte>.Shared.Return(left.Buffer);
            }
        }
    }

    private static async Task<Decoded> DecompressAsync(Stream compressed, ChannelWriter<Block> blocks, CancellationToken cancel)
    {
        var crc = new Crc32();
        var decoded = new Decoded();
        try
        {
            // Large reads from the socket: GZipStream alone asks for 8 KiB at a time, and each small read costs a hop.
            // The read-ahead buffers are pooled: a BufferedStream allocated and zeroed its buffer for every file.
            await using var buffered = PipeReader.Create(compressed, new StreamPipeReaderOptions(bufferSize: SocketReadSize)).AsStream();
            await using var gzip = new GZipStream(buffered, CompressionMode.Decompress, leaveOpen: true);
            var eof = false;
            while (!eof)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
                var filled = 0;
                while (filled < buffer.Length)
                {
                    var read = await gzip.ReadAsync(buffer.AsMemory(filled), cancel);
                    if (read == 0)
                    {
                        eof = true;
                        break;
                    }

                    crc.Append(buffer.AsSpan(filled, read));
                    decoded.ReadEnded(read, crc.GetCurrentHashAsUInt32());
                    filled += read;
                }

                if (filled == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }

                await blocks.WriteAsync(new Block(buffer, filled), cancel);
            }

            blocks.Complete();
            return decoded;
        }
        catch (Exception e)
        {
            blocks.TryComplete(e);
            throw;
        }
    }

    /// <summary>The `<Code>` and `<Message>` of an S3 error body, or its text.</summary>
    private static string S3Message(string body)
    {
        try
        {
            var error = XElement.Parse(body);
            return $"{error.Element("Code")?.Value}: {error.Element("Message")?.Value}";
        }
        catch (System.Xml.XmlException)
        {
            return MimecastErrorBody.Parse(body).Message;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch file {File} is truncated after {Lines} lines ({Bytes} compressed bytes)")]
    private static partial void LogTruncated(ILogger log, string file, long lines, long bytes);

    private readonly record struct Block(byte[] Buffer, int Length)
    {
        public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);
    }

    /// <summary>
    /// What was decompressed, as far as the gzip trailer needs: a complete file ends with the CRC-32 and length of its
    /// last member. Most files are one member; a file of several (valid gzip, one member per flush of some writers) is
    /// read whole by GZipStream, whose reads end where each member ends: so the CRC-32 is kept at every read's end, and
    /// the last member's is found from the length its trailer gives. .NET checks the trailers of the members it reaches.
    /// What this keeps grows with the file, by 12 bytes per read of the decompressor (one per socket read or block):
    /// about 40 KB for a 200,000-event file. A file cut exactly between two members cannot be told from a whole one.
    /// </summary>
    private sealed class Decoded
    {
        /// <summary>Bytes decompressed when a read ended, from the start (0); and the CRC-32 of those bytes.</summary>
        private readonly List<long> _readEnds = [0];
        private readonly List<uint> _crcs = [0];

        public long Length => _readEnds[^1];

        public void ReadEnded(int bytes, uint crcSoFar)
        {
            _readEnds.Add(Length + bytes);
            _crcs.Add(crcSoFar);
        }

        public bool TrailerMatches(ReadOnlySpan<byte> lastEight)
        {
            if (lastEight.Length != 8)
            {
                return false;
            }

            var crc = BinaryPrimitives.ReadUInt32LittleEndian(lastEight);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(lastEight[4..]);
            var whole = _crcs[^1];

            // The last member holds the last `size` bytes (the length modulo 2^32) and began where a read ended.
            for (var start = Length - size; start >= 0; start -= 1L << 32)
            {
                var at = _readEnds.BinarySearch(start);
                if (at >= 0 && Crc32Combine.Combine(_crcs[at], whole, Length - start) == crc)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// Passes the compressed bytes through, remembering how many there were and the last eight (the gzip trailer). A
    /// read that gets nothing for <paramref name="idleTimeout"/> fails as a cut connection would.
    /// </summary>
    private sealed class TrailerStream(Stream inner, TimeSpan idleTimeout) : Stream
    {
        private readonly byte[] _tail = new byte[8];
        private int _tailLength;

        public long BytesRead { get; private set; }

        public ReadOnlySpan<byte> LastEight => _tail.AsSpan(0, _tailLength);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Remember(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(idleTimeout);
            try
            {
                var read = await inner.ReadAsync(buffer, idle.Token);
                return Remember(buffer.Span[..read]);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"the connection sent nothing for {idleTimeout} after {BytesRead:N0} compressed bytes");
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Remember(ReadOnlySpan<byte> read)
        {
            BytesRead += read.Length;
            if (read.Length >= 8)
            {
                read[^8..].CopyTo(_tail);
                _tailLength = 8;
            }
            else if (read.Length > 0)
            {
                var keep = Math.Min(_tailLength, 8 - read.Length);
                _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
                read.CopyTo(_tail.AsSpan(keep));
                _tailLength = keep + read.Length;
            }

            return read.Length;
        }
    }
}
