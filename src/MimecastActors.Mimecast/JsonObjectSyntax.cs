using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MimecastActors.Mimecast;

/// <summary>
/// Whether UTF-8 text is exactly one JSON object, with the grammar and limits of <see cref="System.Text.Json.Utf8JsonReader"/>
/// under its default options (RFC 8259, no comments, no trailing commas, nesting up to 64). Every line of every batch file
/// is checked, and the reader's token bookkeeping cost more than decompressing the same bytes; this only walks the
/// grammar. It does not check UTF-8: <see cref="BatchLine.Check"/> does that first, over the whole line at once.
/// Every method is compiled fully optimised at its first call: left to tiering, they ran unoptimised for seconds after
/// start-up, behind thousands of other methods in the JIT's queue (a fifth of a 100-tenant run's CPU).
/// </summary>
public static class JsonObjectSyntax
{
    /// <summary>The reader's default <see cref="System.Text.Json.JsonReaderOptions.MaxDepth"/>.</summary>
    public const int MaxDepth = 64;

    /// <summary>-1 when <paramref name="utf8"/> is one JSON object (whitespace around it allowed), else the byte where it stops being one.</summary>
    /// <param name="isObject">False when the text does not even start with an object.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int FindError(ReadOnlySpan<byte> utf8, out bool isObject)
    {
        var position = SkipWhitespace(utf8, 0);
        isObject = position < utf8.Length && utf8[position] == '{';
        if (!isObject)
        {
            return position;
        }

        // One bit per open container, set for an object: enough for MaxDepth levels.
        ulong objects = 0;
        var depth = 0;
        while (true)
        {
            // A value starts here.
            position = SkipWhitespace(utf8, position);
            if (position >= utf8.Length)
            {
                return position;
            }

            switch (utf8[position])
            {
                case (byte)'{':
                case (byte)'[':
                    if (depth == MaxDepth)
                    {
                        return position;
                    }

                    var isOpeningObject = utf8[position] == '{';
                    objects = (objects << 1) | (isOpeningObject ? 1UL : 0UL);
                    depth++;
                    position = SkipWhitespace(utf8, position + 1);
                    if (position < utf8.Length && utf8[position] == (isOpeningObject ? '}' : ']'))
                    {
                        objects >>= 1;
                        depth--;
                        position++;
                        break; // an empty container is a whole value
                    }

                    if (isOpeningObject)
                    {
                        position = Member(utf8, position);
                        if (position < 0)
                        {
                            return ~position;
                        }
                    }

                    continue; // its first value
                case (byte)'"':
                    position = String(utf8, position);
                    break;
                case (byte)'t':
                    position = Literal(utf8, position, "true"u8);
                    break;
                case (byte)'f':
                    position = Literal(utf8, position, "false"u8);
                    break;
                case (byte)'n':
                    position = Literal(utf8, position, "null"u8);
                    break;
                default:
                    position = Number(utf8, position);
                    break;
            }

            if (position < 0)
            {
                return ~position;
            }

            // After a whole value: a comma and the next, or the end of containers.
            while (true)
            {
                if (depth == 0)
                {
                    position = SkipWhitespace(utf8, position);
                    return position == utf8.Length ? -1 : position;
                }

                position = SkipWhitespace(utf8, position);
                if (position >= utf8.Length)
                {
                    return position;
                }

                var inObject = (objects & 1) != 0;
                var next = utf8[position];
                if (next == ',')
                {
                    position++;
                    if (inObject)
                    {
                        position = Member(utf8, SkipWhitespace(utf8, position));
                        if (position < 0)
                        {
                            return ~position;
                        }
                    }

                    break; // the next value
                }

                if (next != (inObject ? '}' : ']'))
                {
                    return position;
                }

                objects >>= 1;
                depth--;
                position++;
            }
        }
    }

    /// <summary>
    /// Where the next token starts. Lines as Mimecast writes them have no whitespace between tokens: one comparison,
    /// inlined, decides most calls (every byte above the space is not whitespace).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipWhitespace(ReadOnlySpan<byte> utf8, int position) =>
        (uint)position < (uint)utf8.Length && utf8[position] > (byte)' ' ? position : SkipSpaces(utf8, position);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SkipSpaces(ReadOnlySpan<byte> utf8, int position)
    {
        while (position < utf8.Length && utf8[position] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            position++;
        }

        return position;
    }

    /// <summary>A member's name and colon, from its opening quote; where its value starts, or the complement of the error position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Member(ReadOnlySpan<byte> utf8, int position)
    {
        if (position >= utf8.Length || utf8[position] != '"')
        {
            return ~position;
        }

        position = String(utf8, position);
        if (position < 0)
        {
            return position;
        }

        position = SkipWhitespace(utf8, position);
        return position < utf8.Length && utf8[position] == ':' ? position + 1 : ~position;
    }

    /// <summary>A string from its opening quote; one past its closing quote, or the complement of the error position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int String(ReadOnlySpan<byte> utf8, int position)
    {
        position++;
        while (true)
        {
            var special = IndexOfSpecial(utf8[position..]);
            if (special < 0)
            {
                return ~utf8.Length;
            }

            position += special;
            switch (utf8[position])
            {
                case (byte)'"':
                    return position + 1;
                case (byte)'\\':
                    position = Escape(utf8, position);
                    if (position < 0)
                    {
                        return position;
                    }

                    break;
                default:
                    return ~position; // a raw control character
            }
        }
    }

    /// <summary>
    /// The first byte that may not appear raw inside a string (a quote or backslash, which end or escape, or a control
    /// character), or -1. Not <c>IndexOfAny(SearchValues)</c>: its generic search code is compiled for this use at run
    /// time and ran unoptimised for seconds while the tiered JIT's queue was long after start-up.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int IndexOfSpecial(ReadOnlySpan<byte> text)
    {
        ref var start = ref MemoryMarshal.GetReference(text);
        var at = 0;
        for (; at <= text.Length - Vector256<byte>.Count; at += Vector256<byte>.Count)
        {
            var block = Vector256.LoadUnsafe(ref start, (nuint)at);
            var specials = (Vector256.Equals(block, Vector256.Create((byte)'"'))
                | Vector256.Equals(block, Vector256.Create((byte)'\\'))
                | Vector256.LessThan(block, Vector256.Create((byte)0x20))).ExtractMostSignificantBits();
            if (specials != 0)
            {
                return at + BitOperations.TrailingZeroCount(specials);
            }
        }

        for (; at < text.Length; at++)
        {
            if (text[at] is < 0x20 or (byte)'"' or (byte)'\\')
            {
                return at;
            }
        }

        return -1;
    }

    /// <summary>An escape from its backslash; one past it, or the complement of the error position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Escape(ReadOnlySpan<byte> utf8, int position)
    {
        if (position + 1 >= utf8.Length)
        {
            return ~(position + 1);
        }

        switch (utf8[position + 1])
        {
            case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                return position + 2;
            case (byte)'u':
                for (var i = position + 2; i < position + 6; i++)
                {
                    if (i >= utf8.Length || !char.IsAsciiHexDigit((char)utf8[i]))
                    {
                        return ~i;
                    }
                }

                return position + 6;
            default:
                return ~(position + 1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Literal(ReadOnlySpan<byte> utf8, int position, ReadOnlySpan<byte> literal)
    {
        for (var i = 0; i < literal.Length; i++)
        {
            if (position + i >= utf8.Length || utf8[position + i] != literal[i])
            {
                return ~(position + i);
            }
        }

        return position + literal.Length;
    }

    /// <summary>RFC 8259 number: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Number(ReadOnlySpan<byte> utf8, int position)
    {
        if (position < utf8.Length && utf8[position] == '-')
        {
            position++;
        }

        if (position >= utf8.Length || !char.IsAsciiDigit((char)utf8[position]))
        {
            return ~position;
        }

        if (utf8[position] == '0')
        {
            position++;
        }
        else
        {
            position = Digits(utf8, position);
        }

        if (position < utf8.Length && utf8[position] == '.')
        {
            position++;
            if (position >= utf8.Length || !char.IsAsciiDigit((char)utf8[position]))
            {
                return ~position;
            }

            position = Digits(utf8, position);
        }

        if (position < utf8.Length && utf8[position] is (byte)'e' or (byte)'E')
        {
            position++;
            if (position < utf8.Length && utf8[position] is (byte)'+' or (byte)'-')
            {
                position++;
            }

            if (position >= utf8.Length || !char.IsAsciiDigit((char)utf8[position]))
            {
                return ~position;
            }

            position = Digits(utf8, position);
        }

        return position;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Digits(ReadOnlySpan<byte> utf8, int position)
    {
        while (position < utf8.Length && char.IsAsciiDigit((char)utf8[position]))
        {
            position++;
        }

        return position;
    }
}
