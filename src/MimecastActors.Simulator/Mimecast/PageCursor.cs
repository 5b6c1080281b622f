using System.Text.Json;
using System.Text.Json.Serialization;

namespace MimecastActors.Simulator.Mimecast;

/// <summary>
/// What an opaque `nextPage` token carries: the client, the requested types and, per type, the next file to
/// serve, plus the end of the date window. Base64url JSON: opaque to a puller, readable when debugging.
/// </summary>
public sealed record PageCursor(
    [property: JsonPropertyName("c")] string ClientId,
    [property: JsonPropertyName("t")] string[] Types,
    [property: JsonPropertyName("p")] int[] Positions,
    [property: JsonPropertyName("e")] long? EndsAtMs,
    [property: JsonPropertyName("n")] int Sequence)
{
    public string Encode() => Base64UrlEncode(JsonSerializer.SerializeToUtf8Bytes(this));

    public static bool TryDecode(string token, out PageCursor cursor)
    {
        cursor = null!;
        try
        {
            var parsed = JsonSerializer.Deserialize<PageCursor>(Base64UrlDecode(token));
            if (parsed is null || parsed.Types is null || parsed.Positions is null || parsed.Types.Length != parsed.Positions.Length)
            {
                return false;
            }

            cursor = parsed;
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return false;
        }
    }

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64UrlDecode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s += (s.Length % 4) switch { 2 => "==", 3 => "=", 0 => "", _ => throw new FormatException("bad length") };
        return Convert.FromBase64String(s);
    }
}
