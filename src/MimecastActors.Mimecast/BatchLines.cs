using System.Runtime.CompilerServices;
using System.Text.Unicode;

namespace MimecastActors.Mimecast;

/// <summary>Why a line of a batch file is set aside instead of forwarded.</summary>
public enum RejectReason
{
    InvalidUtf8,
    InvalidJson,

    /// <summary>Longer than the intake accepts (250,000 characters by default).</summary>
    Oversize,
}

/// <summary>A line set aside, where it came from and why; <see cref="LineNumber"/> counts from 1, as an editor does.</summary>
public sealed record RejectedLine(string FileIdentity, long LineNumber, RejectReason Reason, long Length, string Detail);

/// <summary>Receives the lines of a batch file in order. The memory handed over is reused after the call returns.</summary>
public interface IBatchLineSink
{
    /// <summary>One event: the original bytes of its line (no line ending), to be forwarded unchanged.</summary>
    ValueTask OnEventAsync(ReadOnlyMemory<byte> line, long lineNumber, CancellationToken cancel);

    /// <summary>A line that cannot be forwarded; <paramref name="head"/> is its beginning (bounded), for the operator.</summary>
    /// <exception cref="BatchLineNotTakenException">The sink could not take the line; the read ends as failed for now.</exception>
    ValueTask OnRejectedAsync(RejectedLine rejected, ReadOnlyMemory<byte> head, CancellationToken cancel);
}

/// <summary>
/// A sink could not take a line for a reason of its own (a full disk, say). The read ends as a transient failure with
/// this message, so the operator is told what failed rather than that the download was cut.
/// </summary>
public sealed class BatchLineNotTakenException(string message, Exception inner) : Exception(message, inner);

/// <summary>The checks a line passes before it may be forwarded: pure, so they are tested without I/O.</summary>
public static class BatchLine
{
    /// <summary>Null when the line is a forwardable event, else why not (with a short detail). Compiled fully optimised at once, as <see cref="JsonObjectSyntax"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (RejectReason Reason, string Detail)? Check(ReadOnlySpan<byte> line, int maxChars)
    {
        if (line.Length > maxChars)
        {
            var chars = line.Length > maxChars * 4L ? long.MaxValue : CodePoints(line);
            if (chars > maxChars)
            {
                return (RejectReason.Oversize, $"{line.Length:N0} bytes, more than the {maxChars:N0} characters the intake accepts");
            }
        }

        if (!Utf8.IsValid(line))
        {
            return (RejectReason.InvalidUtf8, "not valid UTF-8");
        }

        var error = JsonObjectSyntax.FindError(line, out var isObject);
        if (error >= 0)
        {
            return (RejectReason.InvalidJson, isObject ? $"not valid JSON at byte {error}" : "not a JSON object");
        }

        return null;
    }

    /// <summary>Characters as the intake counts them (code points): every byte that does not continue a sequence.</summary>
    public static long CodePoints(ReadOnlySpan<byte> utf8)
    {
        long count = 0;
        foreach (var b in utf8)
        {
            if ((b & 0xC0) != 0x80)
            {
                count++;
            }
        }

        return count;
    }
}
