using System.Buffers;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Unicode;

namespace MimecastActors.Sekoia;

/// <summary>
/// Builds <c>/batch</c> request bodies event by event, measuring the encoded body rather than the raw events
/// (JSON-string escaping grows a chunk by 10–15 %, enough to cross the intake's 10 MiB limit). Each event is
/// escaped once into a small pooled buffer, and every few dozen kilobytes the escaped events are compressed into the
/// chunk (<see cref="DeflateFragment"/>) while they are still in the cache: a chunk is held compressed from the start,
/// and a request costs no compression when it goes. No I/O.
/// </summary>
/// <remarks>Not thread-safe: one builder per file being read.</remarks>
public sealed class IntakeChunkBuilder : IDisposable
{
    /// <summary>Escaped events are compressed once this many are waiting.</summary>
    private const int CompressEveryBytes = 32 * 1024;

    private const int StagingBytes = 64 * 1024;

    private readonly byte[] _prefix;
    private readonly int _maxBodyBytes;
    private readonly int _maxEvents;
    private readonly CompressionLevel _level;
    private readonly List<int> _starts = [];
    private readonly DeflateFragment.Writer _events;
    private byte[] _buffer = [];
    private int _staged;
    private bool _disposed;

    /// <param name="intakeKey">Written once into every body; never logged.</param>
    /// <param name="maxBodyBytes">Upper bound on the uncompressed body of a chunk.</param>
    /// <param name="maxEvents">Upper bound on the events of a chunk.</param>
    /// <param name="level">How the events are compressed (the request body is a gzip member of them).</param>
    public IntakeChunkBuilder(
        string intakeKey,
        int maxBodyBytes = IntakeLimits.DefaultMaxBodyBytes,
        int maxEvents = IntakeLimits.DefaultMaxEventsPerChunk,
        CompressionLevel level = CompressionLevel.Fastest)
    {
        ArgumentException.ThrowIfNullOrEmpty(intakeKey);
        _prefix = IntakeBody.Prefix(intakeKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBodyBytes, _prefix.Length + IntakeBody.Suffix.Length + 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        _maxBodyBytes = maxBodyBytes;
        _maxEvents = maxEvents;
        _level = level;
        _events = new DeflateFragment.Writer(level);
    }

    /// <summary>Events in the chunk being built.</summary>
    public int EventCount => _starts.Count;

    /// <summary>Size of the body if the chunk were sealed now.</summary>
    public int BodyBytes => EventsStart + _staged + IntakeBody.Suffix.Length;

    public int MaxBodyBytes => _maxBodyBytes;

    public int MaxEvents => _maxEvents;

    /// <summary>Where the events still waiting to be compressed start in the body.</summary>
    private int EventsStart => _prefix.Length + (int)_events.Length;

    /// <summary>
    /// Escapes one event (the raw bytes of an NDJSON line) into the chunk. The bytes are copied: the caller may
    /// reuse its buffer as soon as this returns. On <see cref="ChunkAddResult.ChunkFull"/> nothing was added: seal
    /// the chunk and add the event again; the other non-<see cref="ChunkAddResult.Added"/> answers reject the event
    /// for good and the caller must record it. Called for every event, so compiled fully optimised at once: left to
    /// tiering it waited seconds behind the JIT's queue after start-up.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ChunkAddResult TryAdd(ReadOnlySpan<byte> utf8Event)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Utf8.IsValid(utf8Event))
        {
            return ChunkAddResult.RejectedInvalidUtf8;
        }

        if (IntakeLimits.IsTooLong(utf8Event))
        {
            return ChunkAddResult.RejectedTooLong;
        }

        if (EventCount == _maxEvents)
        {
            return ChunkAddResult.ChunkFull;
        }

        var separator = EventCount > 0 ? 1 : 0;

        // Escaping never shrinks an event: when even the raw bytes cannot fit, answer without escaping.
        if ((long)BodyBytes + separator + utf8Event.Length + 2 > _maxBodyBytes)
        {
            return Full();
        }

        if (_buffer.Length == 0)
        {
            // Rented only when the first event comes: a builder that never gets one holds no buffer.
            _buffer = ArrayPool<byte>.Shared.Rent(StagingBytes);
        }

        var position = _staged;
        Reserve(position, separator + utf8Event.Length + 2);
        if (separator > 0)
        {
            _buffer[position++] = (byte)',';
        }

        var start = position;
        _buffer[position++] = (byte)'"';
        position = AppendEscaped(utf8Event, position);
        _buffer[position++] = (byte)'"'; // AppendEscaped left room for it
        if ((long)EventsStart + position + IntakeBody.Suffix.Length > _maxBodyBytes)
        {
            return Full(); // nothing committed: _staged still ends the previous event
        }

        _starts.Add(EventsStart + start);
        _staged = position;
        if (_staged >= CompressEveryBytes)
        {
            CompressStaged();
        }

        return ChunkAddResult.Added;
    }

    /// <summary>Hands the events added so far over as a chunk, compressed, and starts an empty one.</summary>
    public IntakeChunk Seal()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (EventCount == 0)
        {
            throw new InvalidOperationException("An intake chunk needs at least one event.");
        }

        CompressStaged();
        var chunk = new IntakeChunk(_prefix, _events.Finish(), [.. _starts], _level);
        _starts.Clear();
        return chunk;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _events.Dispose();
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = [];
    }

    public override string ToString() => $"IntakeChunkBuilder({EventCount} events, {BodyBytes} bytes)";

    private ChunkAddResult Full() => EventCount == 0 ? ChunkAddResult.RejectedTooLarge : ChunkAddResult.ChunkFull;

    private void CompressStaged()
    {
        if (_staged > 0)
        {
            _events.Append(_buffer.AsSpan(0, _staged));
            _staged = 0;
        }
    }

    /// <summary>Writes the event escaped after <paramref name="position"/>, leaving room for one more byte; returns where it ends.</summary>
    /// <remarks>
    /// A Mimecast event has a quote every ten bytes or so, too often for a search per run between escapes to pay
    /// off. Each block of 32 bytes is stored as it is; then, for each byte in it to escape, its escape is written
    /// over it and the source from there on is stored again one (up to five) bytes further: stores, never copies of
    /// runs. Room is made once for every byte doubled plus a block of slack; only a control character, escaped as
    /// six bytes, makes room again. Optimised from the first call: at tier 0 every vector operation is a call.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int AppendEscaped(ReadOnlySpan<byte> utf8Event, int position)
    {
        const int Block = 32;
        var length = utf8Event.Length;
        Reserve(position, (2 * length) + Block + JsonStringEscaping.MaxEscapeBytes + 1);
        ref var source = ref MemoryMarshal.GetReference(utf8Event);
        ref var destination = ref MemoryMarshal.GetArrayDataReference(_buffer);
        var read = 0;
        while (read <= length - Block)
        {
            var block = Vector256.LoadUnsafe(ref source, (nuint)read);
            block.StoreUnsafe(ref destination, (nuint)position);
            var specials = JsonStringEscaping.Specials(block);
            var shift = 0;
            while (specials != 0)
            {
                var at = read + BitOperations.TrailingZeroCount(specials);
                specials &= specials - 1;
                var special = Unsafe.Add(ref source, at);
                var to = position + (at - read) + shift;
                if (special is (byte)'"' or (byte)'\\')
                {
                    Unsafe.Add(ref destination, to) = (byte)'\\';
                    shift++;
                }
                else
                {
                    // A control character: rare; make room for its escape (up to six bytes) before writing it.
                    Reserve(to, JsonStringEscaping.MaxEscapeBytes + (2 * (length - at)) + Block + 1);
                    destination = ref MemoryMarshal.GetArrayDataReference(_buffer);
                    shift += JsonStringEscaping.WriteEscape(special, _buffer.AsSpan(to)) - 1;
                    at++; // the escape replaces the byte
                }

                // The rest of the block (and beyond, overwritten later) moves along by the escapes so far.
                if (at <= length - Block)
                {
                    Vector256.LoadUnsafe(ref source, (nuint)at).StoreUnsafe(ref destination, (nuint)(position + (at - read) + shift));
                }
                else
                {
                    utf8Event[at..].CopyTo(_buffer.AsSpan(position + (at - read) + shift));
                }
            }

            read += Block;
            position += Block + shift;
        }

        // The last bytes, fewer than a block.
        for (; read < length; read++)
        {
            var next = Unsafe.Add(ref source, read);
            if (!JsonStringEscaping.IsSpecial(next))
            {
                Unsafe.Add(ref destination, position++) = next;
                continue;
            }

            Reserve(position, JsonStringEscaping.MaxEscapeBytes + (2 * (length - read)) + 1);
            destination = ref MemoryMarshal.GetArrayDataReference(_buffer);
            position += JsonStringEscaping.WriteEscape(next, _buffer.AsSpan(position));
        }

        return position;
    }

    /// <summary>Makes room for <paramref name="more"/> bytes after the <paramref name="used"/> ones, keeping them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Reserve(int used, int more)
    {
        var needed = (long)used + more;
        if (needed <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(needed, (long)_buffer.Length * 2)));
        _buffer.AsSpan(0, used).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
