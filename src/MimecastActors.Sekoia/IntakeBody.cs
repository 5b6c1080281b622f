using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;

namespace MimecastActors.Sekoia;

/// <summary>The fixed parts of a <c>/batch</c> body: <c>{"intake_key":"…","jsons":[</c> … <c>]}</c>.</summary>
internal static class IntakeBody
{
    /// <summary>
    /// Escapes only what JSON requires (quotes, backslashes, control characters, and characters outside the BMP as
    /// surrogate pairs), so the body stays close to the size of the events; HTML-safety is not needed in a request body.
    /// </summary>
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static ReadOnlySpan<byte> Suffix => "]}"u8;

    public static byte[] Prefix(string intakeKey)
    {
        var key = Encoding.UTF8.GetBytes(intakeKey);
        var escaped = new byte[(key.Length * 12) + 16];
        var status = Encoder.EncodeUtf8(key, escaped, out _, out var written);
        if (status != OperationStatus.Done)
        {
            throw new ArgumentException("The intake key cannot be encoded as JSON.", nameof(intakeKey));
        }

        return [.. "{\"intake_key\":\""u8, .. escaped.AsSpan(0, written), .. "\",\"jsons\":["u8];
    }
}
