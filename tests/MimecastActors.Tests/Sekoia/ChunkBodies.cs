using System.Text;
using System.Text.Json;

using MimecastActors.Sekoia;

namespace MimecastActors.Tests.Sekoia;

/// <summary>Reads chunk bodies back the way the intake does: as JSON.</summary>
internal static class ChunkBodies
{
    public static (string Key, List<string> Events) Parse(IntakeChunk chunk) => Parse(chunk.Body.Span);

    public static (string Key, List<string> Events) Parse(ReadOnlySpan<byte> body)
    {
        using var doc = JsonDocument.Parse(body.ToArray());
        var root = doc.RootElement;
        root.EnumerateObject().Select(p => p.Name).Should().Equal("intake_key", "jsons");
        return (root.GetProperty("intake_key").GetString()!, root.GetProperty("jsons").EnumerateArray().Select(e => e.GetString()!).ToList());
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
