using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MimecastActors.Sekoia;

/// <summary>
/// Escaping UTF-8 text as the inside of a JSON string, only what JSON requires: quotes, backslashes and control
/// characters. Everything else, non-ASCII included, is copied as it is (valid UTF-8 is valid JSON text), so the runs
/// between escapes are bulk copies; <c>JavaScriptEncoder</c> looks at every character and was the costliest step of
/// building a chunk.
/// </summary>
internal static class JsonStringEscaping
{
    /// <summary>The longest escape of one byte: <c>\u001F</c>.</summary>
    public const int MaxEscapeBytes = 6;

    private static ReadOnlySpan<byte> Hex => "0123456789ABCDEF"u8;

    /// <summary>A bit set for each byte of the block that must be escaped (bit 0 for the first byte).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Specials(Vector256<byte> bytes) =>
        (Vector256.Equals(bytes, Vector256.Create((byte)'"'))
            | Vector256.Equals(bytes, Vector256.Create((byte)'\\'))
            | Vector256.LessThan(bytes, Vector256.Create((byte)0x20))).ExtractMostSignificantBits();

    /// <summary>Whether JSON requires this byte to be escaped inside a string.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSpecial(byte b) => b < 0x20 || b == (byte)'"' || b == (byte)'\\';

    /// <summary>Writes the escape of one byte for which <see cref="IsSpecial"/> holds; returns the bytes written (2 or 6).</summary>
    public static int WriteEscape(byte special, Span<byte> destination)
    {
        destination[0] = (byte)'\\';
        var shortForm = special switch
        {
            (byte)'"' => (byte)'"',
            (byte)'\\' => (byte)'\\',
            (byte)'\n' => (byte)'n',
            (byte)'\r' => (byte)'r',
            (byte)'\t' => (byte)'t',
            (byte)'\b' => (byte)'b',
            (byte)'\f' => (byte)'f',
            _ => (byte)0,
        };
        if (shortForm != 0)
        {
            destination[1] = shortForm;
            return 2;
        }

        destination[1] = (byte)'u';
        destination[2] = (byte)'0';
        destination[3] = (byte)'0';
        destination[4] = Hex[special >> 4];
        destination[5] = Hex[special & 0xF];
        return MaxEscapeBytes;
    }

    /// <summary>The escaped form of a short value, e.g. the intake key.</summary>
    public static byte[] Escape(ReadOnlySpan<byte> utf8)
    {
        var buffer = new byte[utf8.Length * MaxEscapeBytes];
        var written = 0;
        foreach (var b in utf8)
        {
            if (IsSpecial(b))
            {
                written += WriteEscape(b, buffer.AsSpan(written));
            }
            else
            {
                buffer[written++] = b;
            }
        }

        return buffer[..written];
    }
}
