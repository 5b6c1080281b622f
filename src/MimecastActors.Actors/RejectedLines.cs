using System.Text;
using System.Text.Json;

using MimecastActors.Mimecast;

namespace MimecastActors.Actors;

/// <summary>A line or event set aside instead of forwarded: where it came from, why, and its beginning.</summary>
public sealed record RejectedRecord(string Tenant, string Stream, string File, long Line, string Reason, string Detail, long Length, string Head, DateTimeOffset At);

/// <summary>Where set-aside lines go, so an operator can read them. Durable when <see cref="Append"/> returns.</summary>
public interface IRejectedLineStore
{
    void Append(RejectedRecord record);
}

/// <summary>
/// One NDJSON file per tenant, `{folder}/{tenant}.rejected.ndjson`, flushed at every record: rejected lines are
/// rare, and each must be on disk before the cursor can move past it.
/// </summary>
public sealed class RejectedLineFiles(string folder) : IRejectedLineStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Lock _gate = new();

    public string Folder { get; } = Path.GetFullPath(folder);

    public string PathFor(string tenant) => Path.Combine(Folder, $"{tenant}.rejected.ndjson");

    public void Append(RejectedRecord record)
    {
        var line = JsonSerializer.Serialize(record, Json) + "\n";
        lock (_gate)
        {
            Directory.CreateDirectory(Folder);
            using var file = new FileStream(PathFor(record.Tenant), FileMode.Append, FileAccess.Write, FileShare.Read);
            file.Write(Encoding.UTF8.GetBytes(line));
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>The beginning of a rejected line as text an operator can read (invalid UTF-8 shows as U+FFFD).</summary>
    public static string Head(ReadOnlySpan<byte> bytes, int maxChars = 2_000)
    {
        var text = Encoding.UTF8.GetString(bytes);
        return text.Length > maxChars ? text[..maxChars] + "…" : text;
    }
}
