using System.Text.Encodings.Web;
using System.Text.Json;

namespace MimecastActors.Cli;

/// <summary>
/// The CLI's reading of the admin API's JSON (camelCase). Its own records, not the node's: the CLI talks HTTP only and
/// must keep working against a node a version apart, so unknown fields are ignored and missing ones stay null.
/// </summary>
internal static class AdminViews
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Messages quote names in backticks and use "…"; print them as the node wrote them.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonSerializerOptions Indented = new(Json) { WriteIndented = true };
}

internal sealed record ClusterView(string Self, string? Leader, IReadOnlyList<MemberView> Members);

internal sealed record MemberView(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable);

/// <summary>The answer to leave and down.</summary>
internal sealed record MemberChange(string Address, string Status);

internal sealed record RegionView(string Name, int Shards);

/// <summary>One node's share of a region.</summary>
internal sealed record RegionNodeStats(string Node, int Shards, int Entities, int Failed);

internal sealed record NodeShards(string Node, IReadOnlyList<ShardView> Shards);

internal sealed record ShardView(string Shard, IReadOnlyList<string> Tenants);

internal sealed record TenantLocation(string Tenant, string Shard, string Node);

/// <param name="State">running, caught-up, paused, or silent (did not answer in time).</param>
internal sealed record TenantView(
    string Tenant, string State, string? PausedBecause, string? Node, long EventsForwarded, long LinesRejected, double? LagSeconds,
    int? CallsUsed, int? Budget, string? LastError, IReadOnlyList<StreamView>? Streams, IReadOnlyList<LogLine>? RecentLogs, string? Source = null,
    IReadOnlyList<RejectedLineView>? RecentlyRejected = null);

/// <summary>A line set aside (its content stays in the rejected-lines file on the tenant's node).</summary>
internal sealed record RejectedLineView(string Stream, string File, long Line, string Reason, string Detail, DateTimeOffset At);

/// <summary>A tenant added or updated through the API, as the node shows it back (secrets only said to be `set`).</summary>
internal sealed record TenantConfigurationView(
    string Tenant, string Status, string Source, Uri MimecastBaseUrl, string ClientId, string ClientSecret, IReadOnlyList<string> Streams, int PageSize,
    TimeSpan PollInterval, int RateLimitCalls, TimeSpan RateLimitWindow, Uri IntakeUrl, string IntakeKey);

/// <summary>The answer to remove.</summary>
internal sealed record TenantRemoved(string Tenant, string Status);

internal sealed record StreamView(
    string Stream, string Cursor, DateTimeOffset? LastListedAt, DateTimeOffset? NewestEventAt, bool CaughtUp, bool Delivering, int FilesDoneInPage);

internal sealed record LogLine(DateTimeOffset At, string Level, string Source, string Message);
