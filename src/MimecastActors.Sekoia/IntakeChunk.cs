using System.Buffers;
using System.Text.Json;

namespace MimecastActors.Sekoia;

/// <summary>
/// A sealed, immutable <c>/batch</c> body and where each of its events starts, so that it can be split or sliced
/// without escaping anything again (on a 413, or to resend only what the intake did not acknowledge).
/// A sealed chunk's body is a buffer of the shared pool (a chunk is megabytes: allocating each one left the large
/// object heap hundreds of megabytes of garbage); whoever ends its journey disposes it to give the buffer back.
/// Chunks combined into one request keep their own buffers (see <see cref="Combine"/>).
/// </summary>
public sealed class IntakeChunk : IDisposable
{
    private readonly int _length;
    private readonly int _prefixLength;
    private readonly int[] _starts;
    private readonly bool _pooled;
    private readonly IntakeChunk[]? _parts;
    private byte[]? _body;
    private int _disposed;

    /// <param name="pooled">The body was rented from <see cref="ArrayPool{T}.Shared"/> and goes back there on dispose.</param>
    internal IntakeChunk(byte[] body, int length, int prefixLength, int[] starts, bool pooled = false)
    {
        _body = body;
        _length = length;
        _prefixLength = prefixLength;
        _starts = starts;
        _pooled = pooled;
    }

    private IntakeChunk(IntakeChunk[] parts, int length, int prefixLength, int[] starts)
    {
        _parts = parts;
        _length = length;
        _prefixLength = prefixLength;
        _starts = starts;
        _pooled = true;
    }

    /// <summary>
    /// The uncompressed request body: <c>{"intake_key":"…","jsons":[…]}</c>. A combined chunk copies its parts into one
    /// buffer the first time it is asked for (to split or slice it); the request itself is written from the parts.
    /// </summary>
    public ReadOnlyMemory<byte> Body => Bytes.AsMemory(0, _length);

    /// <summary>The length of <see cref="Body"/>, without copying a combined chunk's parts together.</summary>
    public int BodyLength => _length;

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
    /// them. Their bytes are not copied: the request is written from each chunk's buffer in turn (a combined copy, and
    /// the fresh memory it touched, cost the node 2 % of its CPU with 100 tenants of small files). They must have been
    /// built for the same intake key.
    /// </summary>
    internal static IntakeChunk Combine(IReadOnlyList<IntakeChunk> chunks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunks.Count, 1, nameof(chunks));
        var first = chunks[0];
        var position = first._prefixLength;
        var starts = new int[chunks.Sum(c => c.EventCount)];
        var next = 0;
        foreach (var chunk in chunks)
        {
            if (position > first._prefixLength)
            {
                position++; // the comma between two chunks' events
            }

            foreach (var start in chunk._starts)
            {
                starts[next++] = start - chunk._prefixLength + position;
            }

            position += chunk.EventBytes;
        }

        return new IntakeChunk([.. chunks], CombinedBodyLength(chunks), first._prefixLength, starts);
    }

    /// <summary>The body length of <see cref="Combine"/>'s chunk for these chunks, without combining them.</summary>
    internal static int CombinedBodyLength(IReadOnlyList<IntakeChunk> chunks) =>
        chunks.Skip(1).Aggregate(chunks[0]._length, (length, chunk) => chunk.BodyBytesAfter(length));

    /// <summary>Writes <see cref="Body"/> to <paramref name="destination"/>; a combined chunk from its parts' buffers.</summary>
    internal void WriteTo(Stream destination)
    {
        if (_parts is null)
        {
            destination.Write(Bytes, 0, _length);
            return;
        }

        destination.Write(_parts[0].Bytes, 0, _prefixLength);
        for (var i = 0; i < _parts.Length; i++)
        {
            if (i > 0)
            {
                destination.WriteByte((byte)',');
            }

            destination.Write(_parts[i].Bytes, _parts[i]._prefixLength, _parts[i].EventBytes);
        }

        destination.Write(IntakeBody.Suffix);
    }

    /// <summary>The chunk without its first <paramref name="count"/> events: what is left to send after a partial acknowledgement.</summary>
    public IntakeChunk Skip(int count) => Slice(count, EventCount - count);

    /// <summary>A chunk of <paramref name="count"/> consecutive events starting at <paramref name="start"/>.</summary>
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
        var body = new byte[_prefixLength + (to - from) + IntakeBody.Suffix.Length];
        Bytes.AsSpan(0, _prefixLength).CopyTo(body);
        Bytes.AsSpan(from, to - from).CopyTo(body.AsSpan(_prefixLength));
        IntakeBody.Suffix.CopyTo(body.AsSpan(body.Length - IntakeBody.Suffix.Length));
        var starts = new int[count];
        for (var i = 0; i < count; i++)
        {
            starts[i] = _starts[start + i] - from + _prefixLength;
        }

        return new IntakeChunk(body, body.Length, _prefixLength, starts);
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
    /// Gives a pooled body back: once the intake acknowledged or refused the chunk, never while a request may still
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

        if (_pooled && _body is not null)
        {
            ArrayPool<byte>.Shared.Return(_body);
        }
    }

    public override string ToString() => $"IntakeChunk({EventCount} events, {_length} bytes)";

    /// <summary>Whether this chunk was built for the intake key whose body prefix is given.</summary>
    internal bool HasPrefix(ReadOnlySpan<byte> prefix)
    {
        if (_parts is null)
        {
            return Bytes.AsSpan(0, _prefixLength).SequenceEqual(prefix);
        }

        foreach (var part in _parts)
        {
            if (!part.HasPrefix(prefix))
            {
                return false;
            }
        }

        return true;
    }

    private byte[] Bytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _body ?? Materialize();
        }
    }

    /// <summary>A combined chunk's parts copied into one pooled body, once (the actor that holds the chunk asks, one thread at a time).</summary>
    private byte[] Materialize()
    {
        var body = ArrayPool<byte>.Shared.Rent(_length);
        using var writer = new MemoryStream(body, 0, _length, writable: true);
        WriteTo(writer);
        _body = body;
        return body;
    }

    /// <summary>The events with the commas between them: the body without its envelope.</summary>
    private int EventBytes => _length - _prefixLength - IntakeBody.Suffix.Length;

    /// <summary>One past the closing quote of an event: the comma that follows it, or the closing <c>]</c>.</summary>
    private int EventEnd(int index) =>
        index + 1 < _starts.Length ? _starts[index + 1] - 1 : _length - IntakeBody.Suffix.Length;
}
