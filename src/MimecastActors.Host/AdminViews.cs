using Akka.Cluster;

using MimecastActors.Actors;
using MimecastActors.Domain;

namespace MimecastActors.Host;

/// <summary>The JSON shapes of the admin API (also what `mimecastctl --json` prints).</summary>
/// <param name="Oldest">The oldest Up member: it runs the cluster singletons, the tenant region's shard coordinator among them.</param>
public sealed record ClusterView(string Self, string? Leader, IReadOnlyList<MemberView> Members, string? Oldest = null)
{
    public static ClusterView Of(Cluster cluster)
    {
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var oldest = SingletonHost.Of(state);
        return new ClusterView(
            cluster.SelfAddress.ToString(),
            state.Leader?.ToString(),
            [.. state.Members.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal).Select(m => new MemberView(
                m.Address.ToString(), m.Status.ToString(), [.. m.Roles.Order(StringComparer.Ordinal)], !unreachable.Contains(m.Address)))],
            oldest?.Address.ToString());
    }
}

public sealed record MemberView(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable);

/// <param name="State">running, caught-up, paused, or silent (did not answer).</param>
public sealed record TenantView(
    string Tenant, string State, string? PausedBecause, string? Node, long EventsForwarded, long LinesRejected, double? LagSeconds,
    int? CallsUsed, int? Budget, string? LastError, IReadOnlyList<StreamView>? Streams = null, IReadOnlyList<LogRing.LogLine>? RecentLogs = null,
    string? Source = null, IReadOnlyList<TenantProtocol.RejectedLine>? RecentlyRejected = null)
{
    public static TenantView Of(TenantProtocol.Status s)
    {
        return new TenantView(
            s.TenantId, s.PausedBecause is not null ? "paused" : s.AllStreamsCaughtUp() ? "caught-up" : "running", s.PausedBecause, s.Node,
            s.EventsDelivered, s.LinesRejected, s.Lag(DateTimeOffset.UtcNow)?.TotalSeconds, s.Budget - s.CallsLeft, s.Budget, s.LastError);
    }

    public static TenantView Silent(string tenant) => new(tenant, "silent", null, null, 0, 0, null, null, null, "did not answer in time");

    public static TenantView Detail(TenantProtocol.Status s, IReadOnlyList<LogRing.LogLine> logs) => Of(s) with
    {
        Streams = [.. s.Streams.Select(x => new StreamView(
            x.Stream, x.Cursor is null ? "start of retention" : "set", x.LastListedAt, x.NewestEventAt, x.CaughtUp, x.Delivering, x.FilesDone))],
        RecentLogs = logs,
        RecentlyRejected = s.RecentlyRejected ?? [],
    };
}

/// <param name="Cursor">Whether the stream has a cursor (the token itself is opaque and says nothing to an operator).</param>
public sealed record StreamView(string Stream, string Cursor, DateTimeOffset? LastListedAt, DateTimeOffset? NewestEventAt, bool CaughtUp, bool Delivering, int FilesDoneInPage);

/// <summary>A tenant's configuration as the API shows it back: everything but the secrets, which are only said to be set.</summary>
public sealed record TenantConfigurationView(
    string Tenant, string Status, string Source, Uri MimecastBaseUrl, string ClientId, string ClientSecret, IReadOnlyList<string> Streams, int PageSize,
    TimeSpan PollInterval, int RateLimitCalls, TimeSpan RateLimitWindow, Uri IntakeUrl, string IntakeKey)
{
    public static TenantConfigurationView Of(MimecastActors.Domain.TenantSettings s, string status) => new(
        s.TenantId, status, "api", s.MimecastBaseUrl, s.ClientId, "set", [.. s.Streams.Select(x => x.Key)], s.PageSize, s.PollInterval,
        s.RateLimit.Calls, s.RateLimit.Window, s.IntakeUrl, "set");
}
