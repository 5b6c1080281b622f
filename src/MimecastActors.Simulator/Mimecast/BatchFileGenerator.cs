using System.Buffers.Text;
using System.IO.Compression;
using System.Text;

namespace MimecastActors.Simulator.Mimecast;

/// <summary>Why a published line cannot reach the intake; a puller must set it aside, not lose its neighbours.</summary>
public enum LineDefect
{
    InvalidJson,
    InvalidUtf8,
    Oversize,
    Truncated,
}

public sealed record UndeliverableLine(string Identity, string Type, int FileIndex, int Line, LineDefect Defect);

/// <summary>
/// Writes one batch file as the real API serves it: gzip NDJSON, one event per line, timestamps lagging the
/// publish time in no order. Deterministic for (seed, client, type, index).
/// </summary>
public static class BatchFileGenerator
{
    /// <summary>Events longer than this many characters are refused by the Sekoia platform.</summary>
    public const int IntakeMaxEventChars = 250_000;

    public static byte[] Generate(int seed, ClientScenario client, PublishSchedule schedule, int index)
    {
        var shape = schedule.Shape(index);
        var lines = schedule.EventCount(index);
        var random = new Random(StableSeed.Of($"{seed}|{client.ClientId}|{schedule.Type}|{index}"));
        var publishedMs = schedule.PublishedAt(index).ToUnixTimeMilliseconds();
        var maxLagMs = (int)Math.Max(1, client.MaxEventLag.TotalMilliseconds);

        using var output = new MemoryStream();
        var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
        var buffered = new BufferedStream(gzip, 64 * 1024);
        var line = new LineWriter();
        var linesPerMember = shape.Members is > 1 and var members ? Math.Max(1, (lines + members - 1) / members) : int.MaxValue;
        for (var i = 0; i < lines; i++)
        {
            if (i > 0 && i % linesPerMember == 0)
            {
                // The member so far is complete (trailer written); the next lines go into a member of their own.
                buffered.Flush();
                gzip.Dispose();
                gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
                buffered = new BufferedStream(gzip, 64 * 1024);
            }

            line.Reset();
            var identity = SimulatedEvent.Identity(client.ClientId, schedule.Type, index, i);
            var timestamp = publishedMs - random.Next(maxLagMs);
            line.Head(identity, timestamp, client.AccountId);
            if (i == shape.InvalidJsonLine)
            {
                line.Ascii("\"subject\":\"unterminated");
            }
            else if (i == shape.InvalidUtf8Line)
            {
                line.Ascii("\"subject\":\"");
                line.Bytes([0xC3, 0x28, 0xFF]);
                line.Ascii("\"}");
            }
            else if (i == shape.OversizeLine)
            {
                line.Ascii($"\"type\":\"{schedule.Type}\",\"padding\":\"");
                line.Repeat((byte)'x', IntakeMaxEventChars);
                line.Ascii("\"}");
            }
            else
            {
                line.Template(EventTemplates.Embedded.Pick(schedule.Type, random), random);
                line.Ascii("}");
            }

            if (i == shape.TruncateAtLine)
            {
                // Stop in the middle of this line, right after a sync flush: every earlier line decodes, then the stream ends.
                var partial = line.Written;
                buffered.Write(partial[..(partial.Length / 2)]);
                buffered.Flush();
                gzip.Flush();
                var cut = output.Length;
                gzip.Dispose();
                return output.GetBuffer().AsSpan(0, (int)cut).ToArray();
            }

            line.Ascii("\n");
            buffered.Write(line.Written);
        }

        buffered.Flush();
        gzip.Dispose();
        return output.ToArray();
    }

    /// <summary>Lines of a file that a correct puller cannot deliver, and why.</summary>
    public static IEnumerable<UndeliverableLine> Undeliverable(string clientId, PublishSchedule schedule, int index)
    {
        var shape = schedule.Shape(index);
        var lines = schedule.EventCount(index);
        var end = shape.TruncateAtLine is { } cut ? Math.Min(cut, lines) : lines;
        foreach (var (line, defect) in new[]
                 {
                     (shape.InvalidJsonLine, LineDefect.InvalidJson),
                     (shape.InvalidUtf8Line, LineDefect.InvalidUtf8),
                     (shape.OversizeLine, LineDefect.Oversize),
                 })
        {
            if (line is { } l && l < end)
            {
                yield return new UndeliverableLine(SimulatedEvent.Identity(clientId, schedule.Type, index, l), schedule.Type, index, l, defect);
            }
        }

        for (var l = end; l < lines; l++)
        {
            yield return new UndeliverableLine(SimulatedEvent.Identity(clientId, schedule.Type, index, l), schedule.Type, index, l, LineDefect.Truncated);
        }
    }

    /// <summary>Identities of the events of a file that a correct puller delivers.</summary>
    public static IEnumerable<string> Deliverable(string clientId, PublishSchedule schedule, int index)
    {
        var skip = Undeliverable(clientId, schedule, index).Select(u => u.Line).ToHashSet();
        var lines = schedule.EventCount(index);
        for (var l = 0; l < lines; l++)
        {
            if (!skip.Contains(l))
            {
                yield return SimulatedEvent.Identity(clientId, schedule.Type, index, l);
            }
        }
    }

    /// <summary>Builds one NDJSON line in a reusable buffer.</summary>
    private sealed class LineWriter
    {
        private byte[] _buffer = new byte[4096];
        private int _length;

        public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

        public void Reset() => _length = 0;

        public void Head(string identity, long timestamp, string accountId)
        {
            Ascii("{\"" + SimulatedEvent.IdentityField + "\":\"");
            Utf8(identity);
            Ascii("\",\"timestamp\":");
            Ensure(20);
            Utf8Formatter.TryFormat(timestamp, _buffer.AsSpan(_length), out var written);
            _length += written;
            Ascii(",\"accountId\":\"");
            Utf8(accountId);
            Ascii("\",");
        }

        public void Ascii(string text) => Utf8(text);

        public void Utf8(string text)
        {
            Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
            _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
        }

        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(_buffer.AsSpan(_length));
            _length += bytes.Length;
        }

        public void Template(EventTemplate template, Random random)
        {
            Ensure(template.Body.Length);
            template.WriteTo(_buffer.AsSpan(_length, template.Body.Length), random);
            _length += template.Body.Length;
        }

        public void Repeat(byte value, int count)
        {
            Ensure(count);
            _buffer.AsSpan(_length, count).Fill(value);
            _length += count;
        }

        private void Ensure(int extra)
        {
            if (_length + extra > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
            }
        }
    }
}
