using System.Text;
using System.Text.Json;

namespace MimecastActors.Mimecast;

/// <summary>
/// Reads an error answer into one line an operator can act on. Mimecast uses two JSON shapes,
/// `{"fail":[{"code","message"}]}` and `{"error":{"code","message"}}`; gateways answer with HTML or text.
/// </summary>
public static class MimecastErrorBody
{
    private const int MaxTextChars = 200;

    public static (string? Code, string Message) Parse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, "no body");
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("fail", out var fail) && fail.ValueKind == JsonValueKind.Array && fail.GetArrayLength() > 0)
                {
                    return CodeAndMessage(fail[0]);
                }

                if (root.TryGetProperty("error", out var error))
                {
                    return error.ValueKind == JsonValueKind.Object ? CodeAndMessage(error) : (null, error.ToString());
                }

                if (root.TryGetProperty("message", out var message))
                {
                    return (null, message.ToString());
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: a gateway page or plain text, shown as text below.
        }

        return (null, Text(body));
    }

    private static (string? Code, string Message) CodeAndMessage(JsonElement e)
    {
        var code = e.ValueKind == JsonValueKind.Object && e.TryGetProperty("code", out var c) ? c.ToString() : null;
        var message = e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var m) ? m.ToString() : null;
        return (code, message ?? code ?? e.ToString());
    }

    /// <summary>One line of readable text: tags stripped, whitespace collapsed, cut.</summary>
    private static string Text(string body)
    {
        var text = new StringBuilder(Math.Min(body.Length, MaxTextChars));
        var inTag = false;
        var lastWasSpace = true;
        foreach (var ch in body)
        {
            if (ch == '<')
            {
                inTag = true;
            }
            else if (ch == '>')
            {
                inTag = false;
                if (!lastWasSpace)
                {
                    text.Append(' ');
                    lastWasSpace = true;
                }
            }
            else if (!inTag)
            {
                var space = char.IsWhiteSpace(ch) || char.IsControl(ch);
                if (!space || !lastWasSpace)
                {
                    text.Append(space ? ' ' : ch);
                }

                lastWasSpace = space;
            }

            if (text.Length >= MaxTextChars)
            {
                text.Append('…');
                break;
            }
        }

        return text.Length == 0 ? "an empty page" : text.ToString().Trim();
    }
}
