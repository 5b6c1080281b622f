using System.Text.Json;

namespace MimecastActors.Mimecast;

/// <summary>What to list: one type or several (one combined cursor), from a saved `nextPage` or the window start.</summary>
public sealed record BatchQuery(IReadOnlyList<string> Types, int PageSize = 100, string? NextPage = null, DateOnly? StartsAt = null, DateOnly? EndsAt = null);

/// <summary>A batch file listed in a page. <see cref="Identity"/> is the URL without its pre-signed query string: the same file whatever the signature.</summary>
public sealed record BatchFileRef(Uri Url, string Identity, DateTimeOffset? Expiry, long? Size)
{
    public static BatchFileRef For(Uri url, DateTimeOffset? expiry = null, long? size = null) =>
        new(url, url.GetLeftPart(UriPartial.Path), expiry, size);

    // The pre-signed query is a credential of sorts: keep it out of logs.
    public override string ToString() => Identity;
}

/// <summary>One page of the batch listing, with the same URL listed twice read only once.</summary>
public sealed record BatchPage(IReadOnlyList<BatchFileRef> Files, string NextPage, bool IsCaughtUp, int DuplicatesDropped)
{
    /// <summary>Parses a listing answer; a missing or mistyped field is an error that names it, never a crash.</summary>
    public static bool TryParse(string json, out BatchPage page, out string problem)
    {
        page = null!;
        problem = "";
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "the listing answer is not a JSON object";
                return false;
            }

            if (!root.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array)
            {
                problem = "the listing answer has no `value` array";
                return false;
            }

            // An empty or missing cursor must never be mistaken for "start again" (the Sekoia module reset to today).
            if (!root.TryGetProperty("@nextPage", out var next) || next.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(next.GetString()))
            {
                problem = "the listing answer has no `@nextPage` token";
                return false;
            }

            if (!root.TryGetProperty("isCaughtUp", out var caughtUp) || caughtUp.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                problem = "the listing answer has no boolean `isCaughtUp`";
                return false;
            }

            var files = new List<BatchFileRef>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var duplicates = 0;
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("url", out var urlElement) ||
                    urlElement.ValueKind != JsonValueKind.String || !Uri.TryCreate(urlElement.GetString(), UriKind.Absolute, out var url))
                {
                    problem = $"`value[{index}]` has no absolute `url`";
                    return false;
                }

                if (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)
                {
                    // On Linux a rooted path parses as a file:// URL; no HTTP client reads it, and a read would fail for ever.
                    problem = $"`value[{index}]` has a `url` that is not an http(s) URL (scheme `{url.Scheme}`)";
                    return false;
                }

                DateTimeOffset? expiry = item.TryGetProperty("expiry", out var e) && e.ValueKind == JsonValueKind.String && e.TryGetDateTimeOffset(out var x) ? x : null;
                long? size = item.TryGetProperty("size", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var n) ? n : null;
                var file = BatchFileRef.For(url, expiry, size);
                if (seen.Add(file.Identity))
                {
                    files.Add(file);
                }
                else
                {
                    duplicates++;
                }

                index++;
            }

            page = new BatchPage(files, next.GetString()!, caughtUp.GetBoolean(), duplicates);
            return true;
        }
        catch (JsonException e)
        {
            problem = $"the listing answer is not valid JSON ({e.Message})";
            return false;
        }
    }
}
