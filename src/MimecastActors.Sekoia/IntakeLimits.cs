namespace MimecastActors.Sekoia;

/// <summary>The limits of the Sekoia.io HTTP intake, and the defaults this client keeps under them.</summary>
public static class IntakeLimits
{
    /// <summary>The platform refuses events longer than this many characters (Unicode code points, as Python's <c>len()</c> counts).</summary>
    public const int MaxEventCharacters = 250_000;

    /// <summary>90 % of the intake's 10 MiB limit, measured on the encoded (uncompressed) body, as the official SDK intends.</summary>
    public const int DefaultMaxBodyBytes = 9 * 1024 * 1024;

    /// <summary>Keeps the acknowledgement (one id per event) and a resend after a failure small.</summary>
    public const int DefaultMaxEventsPerChunk = 10_000;

    /// <summary>
    /// Whether the platform would refuse this event as too long. Only events of more than
    /// <see cref="MaxEventCharacters"/> bytes can be, so only those are counted.
    /// </summary>
    public static bool IsTooLong(ReadOnlySpan<byte> utf8Event) =>
        utf8Event.Length > MaxEventCharacters && CountCodePoints(utf8Event) > MaxEventCharacters;

    /// <summary>Code points of valid UTF-8: every byte except continuation bytes (<c>10xxxxxx</c>) starts one.</summary>
    public static int CountCodePoints(ReadOnlySpan<byte> utf8)
    {
        var count = 0;
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
