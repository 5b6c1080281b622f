using System.Buffers;

namespace MimecastActors.Mimecast;

/// <summary>
/// Cuts decompressed blocks into lines, checks each and hands it on in order. A line split across blocks is
/// gathered in a carry buffer that never grows past the longest line worth keeping: longer lines are oversize
/// anyway, so only their head is kept.
/// </summary>
internal sealed class LineSplitter(BatchFileRef file, long skipLines, IBatchLineSink sink, MimecastClientOptions options)
{
    private readonly int _maxLineBytes = checked(options.MaxEventChars * 4); // a UTF-8 character takes at most 4 bytes
    private byte[] _carry = [];
    private int _carryLength;
    private long _carryTotal; // the line's whole length, also beyond what the carry buffer kept

    public long LinesRead { get; private set; }

    public long Events { get; private set; }

    public long Rejected { get; private set; }

    public async ValueTask FeedAsync(ReadOnlyMemory<byte> block, CancellationToken cancel)
    {
        var position = 0;
        while (true)
        {
            var newline = block.Span[position..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                Carry(block.Span[position..]);
                return;
            }

            var piece = block.Slice(position, newline);
            position += newline + 1;
            if (_carryTotal == 0)
            {
                await LineAsync(piece, piece.Length, cancel);
            }
            else
            {
                Carry(piece.Span);
                await LineAsync(_carry.AsMemory(0, _carryLength), _carryTotal, cancel);
                _carryLength = 0;
                _carryTotal = 0;
            }
        }
    }

    /// <summary>The last line, when the file does not end with a newline.</summary>
    public async ValueTask FinishAsync(CancellationToken cancel)
    {
        if (_carryTotal > 0)
        {
            await LineAsync(_carry.AsMemory(0, _carryLength), _carryTotal, cancel);
            _carryLength = 0;
            _carryTotal = 0;
        }

        if (_carry.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = [];
        }
    }

    private void Carry(ReadOnlySpan<byte> bytes)
    {
        _carryTotal += bytes.Length;
        var keep = Math.Min(bytes.Length, _maxLineBytes + 1 - _carryLength);
        if (keep <= 0)
        {
            return;
        }

        if (_carryLength + keep > _carry.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(_maxLineBytes + 1, Math.Max(_carryLength + keep, _carry.Length * 2)));
            _carry.AsSpan(0, _carryLength).CopyTo(bigger);
            if (_carry.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_carry);
            }

            _carry = bigger;
        }

        bytes[..keep].CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += keep;
    }

    /// <summary>Not async on purpose: a sink that completes at once costs no allocation per line.</summary>
    private ValueTask LineAsync(ReadOnlyMemory<byte> line, long length, CancellationToken cancel)
    {
        var number = ++LinesRead;
        if (number <= skipLines)
        {
            return ValueTask.CompletedTask;
        }

        if (line.Length > 0 && line.Span[^1] == (byte)'\r')
        {
            line = line[..^1];
            length--;
        }

        if (length == 0)
        {
            return ValueTask.CompletedTask; // a blank line carries no event
        }

        var verdict = length > _maxLineBytes
            ? (RejectReason.Oversize, $"{length:N0} bytes, more than the {options.MaxEventChars:N0} characters the intake accepts")
            : BatchLine.Check(line.Span, options.MaxEventChars);
        if (verdict is { } rejected)
        {
            Rejected++;
            return sink.OnRejectedAsync(
                new RejectedLine(file.Identity, number, rejected.Item1, length, rejected.Item2),
                line[..Math.Min(line.Length, options.MaxRejectedContentBytes)],
                cancel);
        }

        Events++;
        return sink.OnEventAsync(line, number, cancel);
    }
}
