using System.Security.Cryptography;
using System.Text;

namespace MimecastActors.Domain;

/// <summary>The vendor's rule for the SIEM batch endpoint: at most <see cref="Calls"/> listing calls in any window of <see cref="Window"/>.</summary>
public sealed record RateLimitPolicy(int Calls, TimeSpan Window)
{
    public static readonly RateLimitPolicy Default = new(50, TimeSpan.FromMinutes(15));

    /// <summary>
    /// A call counts against the budget for a little longer than the window: the API's window starts when a call
    /// arrives, ours when it is journaled, so without a guard two calls that are a window apart here can be less
    /// than a window apart there. 2 s, or 1/10 of a short window. A call answered later than the guard covers
    /// (a node's first round after a start waits for its token and connections) counts from its answer instead
    /// (<see cref="TenantEvents.CallsAnswered"/>).
    /// </summary>
    public TimeSpan Guard => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(2).Ticks, Window.Ticks / 10));

    /// <summary>Whether the guard covers a call answered this soon after it was journaled (it arrived before its answer).</summary>
    public bool GuardCovers(DateTimeOffset sentAt, DateTimeOffset answeredAt) => answeredAt - sentAt < Guard;
}

/// <summary>
/// A tenant's configuration as the puller keeps it: everything but the secrets, which are represented by a
/// fingerprint so that a changed secret is noticed (a paused tenant resumes) without storing it in clear.
/// </summary>
public sealed record TenantSettings(
    string TenantId,
    Uri MimecastBaseUrl,
    string ClientId,
    string ClientSecretFingerprint,
    IReadOnlyList<StreamDefinition> Streams,
    int PageSize,
    TimeSpan PollInterval,
    RateLimitPolicy RateLimit,
    Uri IntakeUrl,
    string IntakeKeyFingerprint)
{
    /// <summary>A short, one-way digest of a secret: enough to tell that it changed, useless to an attacker.</summary>
    public static string Fingerprint(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)))[..16];

    /// <summary>Records are compared by value, but lists by reference: compare what matters.</summary>
    public bool SameAs(TenantSettings other) =>
        this with { Streams = [] } == other with { Streams = [] } && Streams.SequenceEqual(other.Streams);
}
