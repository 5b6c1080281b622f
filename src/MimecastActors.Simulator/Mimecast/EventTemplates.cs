using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MimecastActors.Simulator.Mimecast;

/// <summary>
/// Real Mimecast events (embedded from public fixtures) grouped by type, pre-serialised so that generating an
/// event costs a few byte copies: identity, timestamp and account are written in front of the template's other fields.
/// </summary>
public sealed class EventTemplates
{
    private readonly Dictionary<string, byte[][]> _byType;

    private EventTemplates(Dictionary<string, byte[][]> byType) => _byType = byType;

    public static EventTemplates Embedded { get; } = Load();

    /// <summary>How many templates there are for a type, and of which shape (for tests and the README).</summary>
    public int Count(string type) => _byType.TryGetValue(type, out var t) ? t.Length : 0;

    /// <summary>
    /// The template's fields other than `timestamp` and `accountId`, as UTF-8 JSON without the outer braces,
    /// ready to follow the generated fields after a comma.
    /// </summary>
    public ReadOnlySpan<byte> Pick(string type, Random random)
    {
        var templates = _byType[type];
        return templates[random.Next(templates.Length)];
    }

    private static EventTemplates Load()
    {
        var assembly = typeof(EventTemplates).Assembly;
        var byType = new Dictionary<string, List<byte[]>>();
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
                if (!byType.TryGetValue(type, out var list))
                {
                    byType[type] = list = [];
                }

                list.Add(body);
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
