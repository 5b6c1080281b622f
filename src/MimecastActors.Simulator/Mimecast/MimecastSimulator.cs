using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

using Microsoft.Extensions.Caching.Memory;

namespace MimecastActors.Simulator.Mimecast;

public sealed record IssuedToken(string ClientId, DateTimeOffset ExpiresAt, int Generation);

/// <summary>Why a bearer token was refused.</summary>
public enum TokenRefusal
{
    None,
    Missing,
    Unknown,
    Expired,
}

/// <summary>
/// The fake Mimecast API 2.0: clients, their tokens, their published batch files and the pre-signed URLs
/// that serve them. Pure state and rules; <see cref="MimecastEndpoints"/> puts it on HTTP.
/// </summary>
public sealed class MimecastSimulator : IDisposable
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimulatedClient> _clients;
    private readonly MemoryCache _blobs;
    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);
    private readonly int _seed;

    public MimecastSimulator(Scenario scenario, TimeProvider time)
    {
        Time = time;
        Start = time.GetUtcNow();
        _seed = scenario.Seed;
        _clients = scenario.Clients.ToDictionary(c => c.ClientId, c => new SimulatedClient(c, scenario.Seed, Start), StringComparer.Ordinal);
        _blobs = new MemoryCache(new MemoryCacheOptions { SizeLimit = scenario.BlobCacheBytes });
    }

    public TimeProvider Time { get; }

    /// <summary>When the simulator started: backlog files were published before, new files after.</summary>
    public DateTimeOffset Start { get; }

    public IEnumerable<SimulatedClient> Clients => _clients.Values;

    public SimulatedClient Client(string clientId) =>
        _clients.TryGetValue(clientId, out var c) ? c : throw new KeyNotFoundException($"No simulated client '{clientId}'.");

    public bool TryGetClient(string clientId, out SimulatedClient client) => _clients.TryGetValue(clientId, out client!);

    /// <summary>Issues a token for valid credentials; null when the credentials are wrong.</summary>
    public (string Token, IssuedToken Issued)? IssueToken(string clientId, string clientSecret)
    {
        if (!_clients.TryGetValue(clientId, out var client) ||
            !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(client.Scenario.ClientSecret), Encoding.UTF8.GetBytes(clientSecret)))
        {
            return null;
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        var issued = new IssuedToken(clientId, Time.GetUtcNow() + client.Scenario.TokenTtl, client.TokenGeneration);
        _tokens[token] = issued;
        client.CountTokenIssued();
        return (token, issued);
    }

    /// <summary>Finds the client behind an `Authorization: Bearer` header value.</summary>
    public TokenRefusal Authenticate(string? authorization, out SimulatedClient? client)
    {
        client = null;
        const string prefix = "Bearer ";
        if (string.IsNullOrEmpty(authorization) || !authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return TokenRefusal.Missing;
        }

        if (!_tokens.TryGetValue(authorization[prefix.Length..].Trim(), out var issued))
        {
            return TokenRefusal.Unknown;
        }

        client = _clients[issued.ClientId];
        return issued.ExpiresAt <= Time.GetUtcNow() || issued.Generation < client.TokenGeneration
            ? TokenRefusal.Expired
            : TokenRefusal.None;
    }

    /// <summary>The compressed bytes of a batch file, generated once and kept while the cache has room.</summary>
    public byte[] BatchFile(SimulatedClient client, string type, int index)
    {
        var key = (client.ClientId, type, index);
        if (_blobs.TryGetValue(key, out byte[]? bytes) && bytes is not null)
        {
            return bytes;
        }

        bytes = BatchFileGenerator.Generate(_seed, client.Scenario, client.Schedules[type], index);
        _blobs.Set(key, bytes, new MemoryCacheEntryOptions { Size = bytes.Length });
        return bytes;
    }

    /// <summary>A pre-signed URL (S3 style) for a file, valid for the client's URL TTL from now.</summary>
    public (string PathAndQuery, DateTimeOffset Expiry) PresignedUrl(SimulatedClient client, string type, int index)
    {
        var now = Time.GetUtcNow();
        var issued = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var expires = Math.Max(1, (int)Math.Ceiling(client.Quirks.UrlTtl.TotalSeconds));
        var path = BlobPath(client.ClientId, type, index);
        var date = issued.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var signature = Sign(path, date, expires);
        return ($"{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={date}&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}",
            issued.AddSeconds(expires));
    }

    public static string BlobPath(string clientId, string type, int index) =>
        $"/s3/{Uri.EscapeDataString(clientId)}/{SiemEventTypes.Slug(type)}/{index:D8}.json.gz";

    /// <summary>Checks a pre-signed URL's signature and expiry.</summary>
    public BlobAccess VerifyPresigned(string path, string? date, string? expires, string? signature)
    {
        if (date is null || expires is null || signature is null || !int.TryParse(expires, out var seconds) ||
            !DateTimeOffset.TryParseExact(date, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var issued) ||
            !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(path, date, seconds)), Encoding.ASCII.GetBytes(signature)))
        {
            return BlobAccess.BadSignature;
        }

        return Time.GetUtcNow() >= issued.AddSeconds(seconds) ? BlobAccess.Expired : BlobAccess.Granted;
    }

    /// <summary>Identities of every deliverable event published so far for a client (what a correct puller delivers).</summary>
    public IReadOnlySet<string> PublishedIdentities(string clientId)
    {
        var client = Client(clientId);
        var now = Time.GetUtcNow();
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var schedule in client.Schedules.Values)
        {
            for (var i = schedule.FirstIndexAtOrAfter(now - Retention, now); i < schedule.PublishedCount(now); i++)
            {
                set.UnionWith(BatchFileGenerator.Deliverable(clientId, schedule, i));
            }
        }

        return set;
    }

    /// <summary>Published lines that cannot be delivered (bad JSON, bad UTF-8, oversize, lost to truncation).</summary>
    public IReadOnlyList<UndeliverableLine> UndeliverableLines(string clientId)
    {
        var client = Client(clientId);
        var now = Time.GetUtcNow();
        return client.Schedules.Values
            .SelectMany(s => Enumerable.Range(0, s.PublishedCount(now)).SelectMany(i => BatchFileGenerator.Undeliverable(clientId, s, i)))
            .ToList();
    }

    public void Dispose() => _blobs.Dispose();

    private string Sign(string path, string date, int expires) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_signingKey, Encoding.UTF8.GetBytes($"{path}|{date}|{expires}")));
}

public enum BlobAccess
{
    Granted,
    BadSignature,
    Expired,
}
