using System.IO.Compression;
using System.IO.Hashing;
using System.IO.Pipelines;

using Microsoft.IO;

namespace MimecastActors.Sekoia;

/// <summary>
/// Bytes compressed into a piece of a deflate stream that is not final and ends on a byte boundary (a sync flush), so
/// that fragments compressed apart, with stored blocks between them, make one valid stream (<see cref="GzipMember"/>).
/// A chunk's events are compressed once, as they are added, while they are still in the cache, and a chunk waiting
/// for the intake holds a fifth of the memory; a request that carries several chunks is their fragments side by side.
/// The compressed bytes live in pooled blocks, given back on dispose.
/// </summary>
internal sealed class DeflateFragment : IDisposable
{
    /// <summary>
    /// Compressed bytes are written into pooled blocks: a growing <see cref="MemoryStream"/> copied each body as it
    /// doubled and zeroed every new array (3–5 % of the node's CPU in the end-to-end bench). What the pool keeps is bounded.
    /// </summary>
    private static readonly RecyclableMemoryStreamManager Blocks = new(new RecyclableMemoryStreamManager.Options
    {
        BlockSize = 64 * 1024,
        MaximumSmallPoolFreeBytes = 64 * 1024 * 1024,
        MaximumLargePoolFreeBytes = 0,
    });

    private readonly RecyclableMemoryStream _compressed;

    private DeflateFragment(RecyclableMemoryStream compressed, uint crc, long length)
    {
        _compressed = compressed;
        Crc = crc;
        Length = length;
    }

    /// <summary>CRC-32 of the uncompressed bytes.</summary>
    public uint Crc { get; }

    /// <summary>The uncompressed bytes.</summary>
    public long Length { get; }

    public long CompressedLength => _compressed.Length;

    /// <summary>Compresses <paramref name="bytes"/> at once (a slice of a chunk, after a 413 or a partial acknowledgement).</summary>
    public static DeflateFragment Compress(ReadOnlySpan<byte> bytes, CompressionLevel level)
    {
        using var writer = new Writer(level);
        writer.Append(bytes);
        return writer.Finish();
    }

    /// <summary>Writes the compressed bytes, block by block.</summary>
    public async Task WriteToAsync(Stream destination, CancellationToken cancel)
    {
        foreach (var block in _compressed.GetReadOnlySequence())
        {
            await destination.WriteAsync(block, cancel);
        }
    }

    /// <summary>Decompresses into <paramref name="destination"/>.</summary>
    public void InflateTo(Stream destination)
    {
        // The fragment is not final: the inflater's stream ends where its input does.
        using var inflate = new DeflateStream(PipeReader.Create(_compressed.GetReadOnlySequence()).AsStream(), CompressionMode.Decompress);
        inflate.CopyTo(destination);
    }

    public void Dispose() => _compressed.Dispose();

    public override string ToString() => $"DeflateFragment({Length} bytes, {CompressedLength} compressed)";

    /// <summary>Compresses bytes appended in pieces into one fragment. Not thread-safe.</summary>
    public sealed class Writer(CompressionLevel level) : IDisposable
    {
        private readonly Crc32 _crc = new();
        private RecyclableMemoryStream? _compressed;
        private DeflateStream? _deflate;
        private long _length;

        /// <summary>The bytes appended so far.</summary>
        public long Length => _length;

        public void Append(ReadOnlySpan<byte> bytes)
        {
            if (_deflate is null)
            {
                _compressed = Blocks.GetStream(nameof(DeflateFragment));
                _deflate = new DeflateStream(_compressed, level, leaveOpen: true);
            }

            _crc.Append(bytes);
            _deflate.Write(bytes);
            _length += bytes.Length;
        }

        /// <summary>The fragment of everything appended; the writer starts a new one.</summary>
        public DeflateFragment Finish()
        {
            if (_deflate is null)
            {
                Append([]);
            }

            // Flush ends the output on a byte boundary without ending the stream (a sync flush); disposing the deflater
            // then writes a final empty block, which is cut off: the fragment must be followed by more.
            _deflate!.Flush();
            var end = _compressed!.Length;
            _deflate.Dispose();
            _compressed.SetLength(end);
            var fragment = new DeflateFragment(_compressed, _crc.GetCurrentHashAsUInt32(), _length);
            (_deflate, _compressed, _length) = (null, null, 0);
            _crc.Reset();
            return fragment;
        }

        public void Dispose()
        {
            _deflate?.Dispose();
            _compressed?.Dispose();
            (_deflate, _compressed) = (null, null);
        }
    }
}
