using System.Buffers.Text;
using System.Runtime.CompilerServices;

using Akka.Actor;

using MimecastActors.Mimecast;
using MimecastActors.Sekoia;

using static MimecastActors.Actors.ForwarderProtocol;

namespace MimecastActors.Actors;

/// <summary>How reading a file ended, and how far its chunks were offered to the forwarder.</summary>
/// <param name="OfferedThrough">Every line up to this one is in a chunk the forwarder accepted (or was set aside).</param>
/// <param name="SetAsideThrough">Every rejected line up to this one is recorded: a read after this one records none of them again.</param>
/// <param name="SetAside">Lines of this read that were recorded as rejected instead of forwarded (for the puller to count and log).</param>
public sealed record FileForwarded(BatchFileOutcome Outcome, long OfferedThrough, long SetAsideThrough, IReadOnlyList<RejectedRecord> SetAside);

/// <summary>
/// Reads one batch file and offers its events, in chunks, to the tenant's forwarder, waiting for each chunk to be
/// accepted: the forwarder's window is the only buffer, so a slow intake slows the reading. Rejected lines are
/// set aside before the chunk that follows them is offered, so the checkpoint never passes a line that is neither
/// delivered nor recorded. Runs as a task beside the puller; the puller hears the result.
/// A read holds a place of the node-wide read gate while it reads and builds, and gives it up while its forwarder
/// is full, so a tenant whose intake is down never keeps other tenants from reading.
/// </summary>
public sealed class FileForwarding : IBatchLineSink
{
    private static ReadOnlySpan<byte> TimestampField => "\"timestamp\":"u8;

    private readonly string _tenant;
    private readonly string _stream;
    private readonly BatchFileRef _file;
    private readonly int _generation;
    private readonly IActorRef _forwarder;
    private readonly IRejectedLineStore _rejected;
    private readonly IntakeChunkBuilder _chunk;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _readGate;
    private bool _holdsReadPlace;
    private long _offeredThrough;
    private long _lastEventLine;
    private readonly long _setAsideBefore;
    private long _setAsideThrough;
    private long? _newestMs;
    private readonly List<RejectedRecord> _setAside = [];

    private FileForwarding(string tenant, string stream, BatchFileRef file, int generation, long skip, long setAsideThrough, IActorRef forwarder, IRejectedLineStore rejected, IntakeChunkBuilder chunk, SemaphoreSlim readGate, TimeProvider time)
    {
        _tenant = tenant;
        _stream = stream;
        _file = file;
        _generation = generation;
        _forwarder = forwarder;
        _rejected = rejected;
        _chunk = chunk;
        _time = time;
        _readGate = readGate;
        _offeredThrough = skip;
        _lastEventLine = skip;
        _setAsideBefore = _setAsideThrough = setAsideThrough;
    }

    /// <param name="generation">The page delivery this read is for: its chunks say so (<see cref="ChunkOrigin.Generation"/>).</param>
    /// <param name="skip">Lines already offered, or acknowledged: the read starts after them.</param>
    /// <param name="setAsideThrough">Rejected lines up to this one were recorded by an earlier read: a rejected line after the lines offered is read again, not recorded again.</param>
    public static async Task<FileForwarded> RunAsync(
        string tenant, string stream, BatchFileRef file, int generation, long skip, long setAsideThrough, BatchFileReader reader, SekoiaIntakeClient intake,
        IActorRef forwarder, IRejectedLineStore rejected, SemaphoreSlim readGate, TimeProvider time, CancellationToken cancel)
    {
        using var chunk = intake.CreateChunkBuilder();
        var forwarding = new FileForwarding(tenant, stream, file, generation, skip, setAsideThrough, forwarder, rejected, chunk, readGate, time);
        try
        {
            await forwarding.TakeReadPlaceAsync(cancel);
            var outcome = await reader.ReadAsync(file, skip, forwarding, cancel);

            // Whatever ended the read, the lines handed over were whole and checked: offer them, and the next read starts after.
            await forwarding.OfferAsync(cancel, readOn: false);
            return new FileForwarded(outcome, forwarding._offeredThrough, forwarding._setAsideThrough, forwarding._setAside);
        }
        finally
        {
            forwarding.GiveReadPlaceUp();
        }
    }

    public async ValueTask OnEventAsync(ReadOnlyMemory<byte> line, long lineNumber, CancellationToken cancel)
    {
        var added = _chunk.TryAdd(line.Span);
        if (added == ChunkAddResult.ChunkFull)
        {
            await OfferAsync(cancel);
            added = _chunk.TryAdd(line.Span);
        }

        if (added != ChunkAddResult.Added)
        {
            // The reader already refuses what the intake would; this is a last guard, and it loses nothing either.
            SetAside(lineNumber, added.ToString(), $"the intake client refused the event ({added})", line.Length, line.Span);
            return;
        }

        _lastEventLine = lineNumber;
        if (Timestamp(line.Span) is { } ms && ms > (_newestMs ?? long.MinValue))
        {
            _newestMs = ms;
        }
    }

    public ValueTask OnRejectedAsync(RejectedLine rejected, ReadOnlyMemory<byte> head, CancellationToken cancel)
    {
        SetAside(rejected.LineNumber, rejected.Reason.ToString(), rejected.Detail, rejected.Length, head.Span);
        return ValueTask.CompletedTask;
    }

    private void SetAside(long line, string reason, string detail, long length, ReadOnlySpan<byte> head)
    {
        if (line <= _setAsideBefore)
        {
            return;
        }

        var record = new RejectedRecord(_tenant, _stream, _file.Identity, line, reason, detail, length, RejectedLineFiles.Head(head), _time.GetUtcNow());
        try
        {
            _rejected.Append(record);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BatchLineNotTakenException($"the rejected line could not be recorded in the rejected-lines store ({e.Message})", e);
        }

        _setAsideThrough = Math.Max(_setAsideThrough, line); // only once it is on disk: a failed write is tried again at the next read
        _setAside.Add(record with { Head = "" }); // the head is in the file; the puller only counts and logs
    }

    private async Task OfferAsync(CancellationToken cancel, bool readOn = true)
    {
        if (_chunk.EventCount == 0)
        {
            return;
        }

        var newest = _newestMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        var origin = new ChunkOrigin(_stream, _file.Identity, _offeredThrough + 1, _lastEventLine, newest, EndsRead: !readOn, _generation);
        PullerMetrics.EventsRead.Add(_chunk.EventCount, PullerMetrics.Tenant(_tenant), PullerMetrics.Stream(_stream));
        var offer = new Offer(_chunk.Seal(), origin);
        GiveReadPlaceUp();
        await _forwarder.Ask<Accepted>(offer, cancel);
        _offeredThrough = _lastEventLine;
        _newestMs = null;
        if (readOn)
        {
            await TakeReadPlaceAsync(cancel);
        }
    }

    private async Task TakeReadPlaceAsync(CancellationToken cancel)
    {
        await _readGate.WaitAsync(cancel);
        _holdsReadPlace = true;
    }

    private void GiveReadPlaceUp()
    {
        if (_holdsReadPlace)
        {
            _holdsReadPlace = false;
            _readGate.Release();
        }
    }

    /// <summary>
    /// The event's `timestamp` (epoch milliseconds, a number or a string of digits), found without parsing the event.
    /// Called for every event, so compiled fully optimised at once rather than after the JIT's start-up queue.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long? Timestamp(ReadOnlySpan<byte> line)
    {
        var at = line.IndexOf(TimestampField);
        if (at < 0)
        {
            return null;
        }

        var value = line[(at + TimestampField.Length)..].TrimStart(" \""u8);
        return Utf8Parser.TryParse(value, out long ms, out _) && ms > 0 ? ms : null;
    }
}
