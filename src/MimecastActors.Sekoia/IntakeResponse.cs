using System.Text.Json;

namespace MimecastActors.Sekoia;

/// <summary>Reads the two things the intake says in a response body: its event ids, or a <c>message</c>.</summary>
internal static class IntakeResponse
{
    /// <summary>The number of strings in <c>event_ids</c>, or null when the body has no such array.</summary>
    public static int? CountEventIds(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isIds = reader.ValueTextEquals("event_ids"u8);
                reader.Read();
                if (!isIds)
                {
                    reader.Skip();
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return null;
                }

                var count = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return null;
                    }

                    count++;
                }

                return count;
            }
        }
        catch (JsonException)
        {
            // Not JSON: no proof of delivery.
        }

        return null;
    }

    /// <summary>The intake's <c>message</c>, if the body is a JSON object that has one.</summary>
    public static string? Message(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMessage = reader.ValueTextEquals("message"u8);
                reader.Read();
                if (isMessage && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON (a gateway's HTML page, say): the status alone has to do.
        }

        return null;
    }
}
