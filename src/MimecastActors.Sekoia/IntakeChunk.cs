using System.Buffers;
using System.IO.Compression;
using System.Text.Json;

namespace MimecastActors.Sekoia;

/// <summary>
/// A sealed, immutable <c>/batch</c> body and where each of its events starts, so that it can be split or sliced
/// without escaping anything again (on a 413, or to resend only what the intake did not acknowledge).
/// <para>
/// The events are held compressed (<see cref="DeflateFragment"/>), as the builder compressed them, and the request is
/// written from them as one gzip member: the key's envelope and the commas between chunks are stored blocks around
/// the fragments. The uncompressed body is built only when asked for (<see cref="Body"/>: to split, slice or read an
/// event back, or for an intake configured without compression). Whoever ends a chunk's journey disposes it, which gives its pooled blocks back.
/// </para>
/// </summary>
public sealed class IntakeChunk : IDisposable
{
    private static readonly byte[] Header = GzipMember.Header.ToArray();
    private static readonly byte[] Comma = GzipMember.StoredBlock(","u8, final: false);
    private static readonly uint CommaCrc = GzipMember.Crc(","u8);
    private static readonly byte[] End = GzipMember.StoredBlock(IntakeBody.Suffix, final: true);
    private static readonly uint EndCrc = GzipMember.Crc(IntakeBody.Suffix);

    private readonly byte[] _prefix;
    private readonly DeflateFragment[] _fragments;
    private readonly IntakeChunk[]? _parts;
    private readonly int[] _starts;
    private readonly int _length;
    private readonly CompressionLevel _level;
    private byte[]? _body;
    private int _disposed;

    /// <param name="prefix">The body's envelope up to its first event (<see cref="IntakeBody.Prefix"/>); never changed.</param>
    /// <param name="events">The events, escaped, with the commas between them.</param>
    /// <param name="starts">Where each event starts in the body (the prefix included).</param>
    internal IntakeChunk(byte[] prefix, DeflateFragment events, int[] starts, CompressionLevel level)
    {
        _prefix = prefix;
        _fragments = [events];
        _starts = starts;
        _length = checked(prefix.Length + (int)events.Length + IntakeBody.Suffix.Length);
        _level = level;
    }

    private IntakeChunk(IntakeChunk[] parts, int[] starts, int length)
    {
        _prefix = parts[0]._prefix;
        _parts = parts;
        _fragments = [.. parts.SelectMany(p => p._fragments)];
        _starts = starts;
        _length = length;
        _level = parts[0]._level;
    }

    /// <summary>
    /// The uncompressed request body: <c>{"intake_key":"…","jsons":[…]}</c>, decompressed into one pooled buffer the
    /// first time it is asked for (the actor that holds the chunk asks, one thread at a time).
    /// </summary>
    public ReadOnlyMemory<byte> Body => Bytes.AsMemory(0, _length);

    /// <summary>The length of <see cref="Body"/>, without building it.</summary>
    public int BodyLength => _length;

    /// <summary>The request body as sent, one gzip member.</summary>
    public long GzipLength =>
        GzipMember.Header.Length + GzipMember.StoredBlockLength(_prefix.Length) +
        _fragments.Sum(f => f.CompressedLength) + ((_fragments.Length - 1) * GzipMember.StoredBlockLength(1)) +
        GzipMember.StoredBlockLength(IntakeBody.Suffix.Length) + GzipMember.TrailerLength;

    public int EventCount => _starts.Length;

    /// <summary>Two chunks, the first half of the events then the rest, each a complete body.</summary>
    public (IntakeChunk First, IntakeChunk Second) Split()
    {
        if (EventCount < 2)
        {
            throw new InvalidOperationException("A chunk of one event cannot be split.");
        }

        var half = EventCount / 2;
        return (Slice(0, half), Slice(half, EventCount - half));
    }

    /// <summary>
    /// The body of one request that would carry this chunk's events after those of a body of
    /// <paramref name="bodyBytes"/> bytes built for the same intake key (see <see cref="Combine"/>).
    /// </summary>
    public int BodyBytesAfter(int bodyBytes) => bodyBytes + 1 + EventBytes;

    /// <summary>
    /// One chunk with the events of <paramref name="chunks"/>, in order, which takes them over: disposing it disposes
    /// them. Nothing is copied or compressed again: the request is their fragments side by side. They must have been
    /// built for the same intake key.
    /// </summary>
    internal static IntakeChunk Combine(IReadOnlyList<IntakeChunk> chunks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunks.Count, 1, nameof(chunks));
        var prefixLength = chunks[0]._prefix.Length;
        var position = prefixLength;
        var starts = new int[chunks.Sum(c => c.EventCount)];
        var next = 0;
        foreach (var chunk in chunks)
        {
            if (position > prefixLength)
            {
                position++; // the comma between two chunks' events
            }

            foreach (var start in chunk._starts)
            {
                starts[next++] = start - chunk._prefix.Length + position;
            }

            position += chunk.EventBytes;
        }

        return new IntakeChunk([.. chunks], starts, CombinedBodyLength(chunks));
    }

    /// <summary>The body length of <see cref="Combine"/>'s chunk for these chunks, without combining them.</summary>
    internal static int CombinedBodyLength(IReadOnlyList<IntakeChunk> chunks) =>
        chunks.Skip(1).Aggregate(chunks[0]._length, (length, chunk) => chunk.BodyBytesAfter(length));

    /// <summary>Writes the body as one gzip member, from the compressed fragments (<see cref="GzipLength"/> bytes).</summary>
    internal async Task WriteGzipToAsync(Stream destination, CancellationToken cancel)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await destination.WriteAsync(Header, cancel);
        await destination.WriteAsync(GzipMember.StoredBlock(_prefix, final: false), cancel);
        var crc = GzipMember.Crc(_prefix);
        for (var i = 0; i < _fragments.Length; i++)
        {
            if (i > 0)
            {
                await destination.WriteAsync(Comma, cancel);
                crc = GzipMember.CombineCrc(crc, CommaCrc, 1);
            }

            await _fragments[i].WriteToAsync(destination, cancel);
            crc = GzipMember.CombineCrc(crc, _fragments[i].Crc, _fragments[i].Length);
        }

        await destination.WriteAsync(End, cancel);
        await destination.WriteAsync(GzipMember.Trailer(GzipMember.CombineCrc(crc, EndCrc, IntakeBody.Suffix.Length), _length), cancel);
    }

    /// <summary>The chunk without its first <paramref name="count"/> events: what is left to send after a partial acknowledgement.</summary>
    public IntakeChunk Skip(int count) => Slice(count, EventCount - count);

    /// <summary>A chunk of <paramref name="count"/> consecutive events starting at <paramref name="start"/>, compressed anew.</summary>
    public IntakeChunk Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, EventCount, nameof(count));
        if (start == 0 && count == EventCount)
        {
            return this;
        }

        var from = _starts[start];
        var to = EventEnd(start + count - 1);
        var starts = new int[count];
        for (var i = 0; i < count; i++)
        {
            starts[i] = _starts[start + i] - from + _prefix.Length;
        }

        return new IntakeChunk(_prefix, DeflateFragment.Compress(Bytes.AsSpan(from, to - from), _level), starts, _level);
    }

    /// <summary>The original bytes of one event, e.g. to set aside an event the intake refused.</summary>
    public byte[] GetEvent(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, EventCount);
        var reader = new Utf8JsonReader(Bytes.AsSpan(_starts[index], EventEnd(index) - _starts[index]));
        reader.Read();
        var value = new byte[reader.ValueSpan.Length];
        var written = reader.CopyString(value);
        return value[..written];
    }

    /// <summary>
    /// Gives the pooled blocks back: once the intake acknowledged or refused the chunk, never while a request may still
    /// read it. Slices are copies and stay usable. A disposed chunk refuses to be read.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_parts is not null)
        {
            Array.ForEach(_parts, part => part.Dispose());
        }
        else
        {
            Array.ForEach(_fragments, fragment => fragment.Dispose());
        }

        if (_body is not null)
        {
            ArrayPool<byte>.Shared.Return(_body);
        }
    }

    public override string ToString() => $"IntakeChunk({EventCount} events, {_length} bytes)";

    /// <summary>Whether this chunk was built for the intake key whose body prefix is given.</summary>
    internal bool HasPrefix(ReadOnlySpan<byte> prefix) => _prefix.AsSpan().SequenceEqual(prefix);

    private byte[] Bytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _body ?? Materialize();
        }
    }

    /// <summary>The body decompressed into one pooled buffer, once.</summary>
    private byte[] Materialize()
    {
        var body = ArrayPool<byte>.Shared.Rent(_length);
        using (var writer = new MemoryStream(body, 0, _length, writable: true))
        {
            writer.Write(_prefix);
            for (var i = 0; i < _fragments.Length; i++)
            {
                if (i > 0)
                {
                    writer.WriteByte((byte)',');
                }

                _fragments[i].InflateTo(writer);
            }

            writer.Write(IntakeBody.Suffix);
        }

        _body = body;
        return body;
    }

    /// <summary>The events with the commas between them: the body without its envelope.</summary>
    private int EventBytes => _length - _prefix.Length - IntakeBody.Suffix.Length;

    /// <summary>One past the closing quote of an event: the comma that follows it, or the closing <c>]</c>.</summary>
    private int EventEnd(int index) =>
        index + 1 < _starts.Length ? _starts[index + 1] - 1 : _length - IntakeBody.Suffix.Length;
}
