using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MimecastActors.Simulator.Mimecast;

/// <summary>
/// Real Mimecast events (embedded from public fixtures) grouped by type, pre-serialised so that generating an
/// event costs a few byte copies: identity, timestamp and account are written in front of the template's other
/// fields, and the message identifiers and hashes get fresh random characters (as real traffic does, which keeps
/// the files about as compressible as real ones).
/// </summary>
public sealed class EventTemplates
{
    /// <summary>Fields whose values differ from message to message in real data.</summary>
    private static readonly string[] VaryingFields = ["aggregateId", "processingId", "messageId", "sha256", "sha1", "md5", "subject"];

    private readonly Dictionary<string, EventTemplate[]> _byType;

    private EventTemplates(Dictionary<string, EventTemplate[]> byType) => _byType = byType;

    public static EventTemplates Embedded { get; } = Load();

    /// <summary>How many templates there are for a type, and of which shape (for tests and the README).</summary>
    public int Count(string type) => _byType.TryGetValue(type, out var t) ? t.Length : 0;

    public EventTemplate Pick(string type, Random random)
    {
        var templates = _byType[type];
        return templates[random.Next(templates.Length)];
    }

    private static EventTemplates Load()
    {
        var assembly = typeof(EventTemplates).Assembly;
        var byType = new Dictionary<string, List<EventTemplate>>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Samples/", StringComparison.Ordinal)))
        {
            foreach (var json in ReadEvents(assembly, name))
            {
                var node = JsonNode.Parse(json)!.AsObject();
                var type = (string?)(node["type"] ?? node["eventType"])
                    ?? throw new InvalidDataException($"Sample {name} has neither `type` nor `eventType`.");
                node.Remove("timestamp");
                node.Remove("accountId");
                node.Remove(SimulatedEvent.IdentityField);
                var text = node.ToJsonString(); // "{...}"
                var body = Encoding.UTF8.GetBytes(text[1..^1]);
                var varying = new List<(int Offset, int Length)>();
                foreach (var field in VaryingFields)
                {
                    if (node[field] is JsonValue value && value.TryGetValue<string>(out var v) && v.Length > 0 && v.All(char.IsAscii))
                    {
                        var marker = Encoding.UTF8.GetBytes($"\"{field}\":{JsonSerializer.Serialize(v)}");
                        var at = body.AsSpan().IndexOf(marker);
                        if (at >= 0)
                        {
                            var valueStart = at + field.Length + 4; // "field":"
                            varying.Add((valueStart, marker.Length - field.Length - 5));
                        }
                    }
                }
                if (!byType.TryGetValue(type, out var list))
                {
                    byType[type] = list = [];
                }

                list.Add(new EventTemplate(body, [.. varying.OrderBy(r => r.Offset)]));
            }
        }

        foreach (var type in SiemEventTypes.All.Where(t => !byType.ContainsKey(t)))
        {
            throw new InvalidDataException($"No sample event of type '{type}' is embedded.");
        }

        return new EventTemplates(byType.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()));
    }

    private static List<string> ReadEvents(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        if (resource.EndsWith(".ndjson", StringComparison.Ordinal))
        {
            var lines = new List<string>();
            while (reader.ReadLine() is { } line)
            {
                if (line.Length > 0)
                {
                    lines.Add(line);
                }
            }

            return lines;
        }

        var whole = reader.ReadToEnd();
        using var doc = JsonDocument.Parse(whole);
        return [doc.RootElement.GetRawText()];
    }
}

/// <summary>
/// One sample event's fields other than `timestamp` and `accountId`, as UTF-8 JSON without the outer braces,
/// ready to follow the generated fields after a comma; the ranges in <see cref="Varying"/> get random characters.
/// </summary>
public sealed record EventTemplate(byte[] Body, (int Offset, int Length)[] Varying)
{
    private static ReadOnlySpan<byte> Alphabet => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"u8;

    /// <summary>Copies the template into <paramref name="destination"/> (exactly <c>Body.Length</c> bytes), varying what varies.</summary>
    public void WriteTo(Span<byte> destination, Random random)
    {
        Body.CopyTo(destination);
        foreach (var (offset, length) in Varying)
        {
            var target = destination.Slice(offset, length);
            random.NextBytes(target);
            for (var i = 0; i < target.Length; i++)
            {
                target[i] = Alphabet[target[i] & 63];
            }
        }
    }
}
