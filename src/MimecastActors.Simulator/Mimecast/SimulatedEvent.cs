using System.Text;
using System.Text.Json;

namespace MimecastActors.Simulator.Mimecast;

/// <summary>
/// How a generated event is identified. Real Mimecast events have no unique field (`_offset` repeats), so the
/// simulator writes one, first in the object, which lets the intake tell every event apart cheaply.
/// </summary>
public static class SimulatedEvent
{
    public const string IdentityField = "_simId";

    private static ReadOnlySpan<byte> IdentityFieldUtf8 => "_simId"u8;

    private static ReadOnlySpan<byte> EscapedIdentityPrefix => "{\\\"_simId\\\":\\\""u8;

    public static string Identity(string clientId, string type, int fileIndex, int line) =>
        $"{clientId}:{SiemEventTypes.Slug(type)}:{fileIndex}:{line}";

    /// <summary>
    /// Finds the identity of one event in its escaped form inside a JSON string (as the intake receives it), without
    /// unescaping the event: false unless the event starts with the identity, unescaped. The identity is
    /// <paramref name="escaped"/>[<paramref name="start"/>..(<paramref name="start"/> + <paramref name="length"/>)], UTF-8.
    /// </summary>
    public static bool TryFindEscapedIdentity(ReadOnlySpan<byte> escaped, out int start, out int length)
    {
        start = EscapedIdentityPrefix.Length;
        length = 0;
        if (!escaped.StartsWith(EscapedIdentityPrefix))
        {
            return false;
        }

        var value = escaped[start..];
        length = value.IndexOf((byte)'\\');
        return length > 0 && value[length..].StartsWith("\\\""u8); // else an escape inside the identity, or no closing quote: let the full reader decide
    }

    /// <summary>Reads the identity of one event (UTF-8 JSON); false if it has none or is not a JSON object.</summary>
    public static bool TryReadIdentity(ReadOnlySpan<byte> json, out string identity)
    {
        identity = "";
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isIdentity = reader.ValueTextEquals(IdentityFieldUtf8);
                reader.Read();
                if (isIdentity && reader.TokenType == JsonTokenType.String)
                {
                    identity = reader.GetString()!;
                    return true;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON: the intake stores it, but it cannot be matched to a published event.
        }

        return false;
    }

    public static bool TryReadIdentity(string json, out string identity) =>
        TryReadIdentity(Encoding.UTF8.GetBytes(json), out identity);
}
