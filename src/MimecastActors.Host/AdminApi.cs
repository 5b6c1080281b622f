using System.Security.Cryptography;
using System.Text;

using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;

using MimecastActors.Actors;

namespace MimecastActors.Host;

/// <summary>
/// The node's admin API under <c>/api</c> (health and metrics stay open, for probes and scrapers): the cluster, the
/// tenant region, tenants and recent logs, as JSON. Every route needs <c>Authorization: Bearer {Admin.Token}</c>.
/// </summary>
public static class AdminApi
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static void MapAdminApi(this WebApplication app, NodeConfiguration node, StaticTenantDirectory tenants, LogRing logs)
    {
        var api = app.MapGroup("/api").AddEndpointFilter(async (context, next) =>
            Authorized(context.HttpContext, node.Admin.Token) is { } refusal ? refusal : await next(context));

        api.MapGet("/cluster", (ActorSystem system) => ClusterView.Of(Akka.Cluster.Cluster.Get(system)));
        api.MapPost("/cluster/leave", (MemberRequest request, ActorSystem system) => OnMember(system, request, (cluster, address) => cluster.Leave(address), "leaving"));
        api.MapPost("/cluster/down", (MemberRequest request, ActorSystem system) => OnMember(system, request, (cluster, address) => cluster.Down(address), "downed"));

        api.MapGet("/sharding/regions", () => new[] { new { name = TenantSharding.RegionName, shards = node.Sharding.Shards } });
        api.MapGet("/sharding/regions/{name}/stats", async (string name, ActorRegistry registry) =>
        {
            if (name != TenantSharding.RegionName)
            {
                return Error(404, $"no region named `{name}`: the only region is `{TenantSharding.RegionName}`");
            }

            var stats = await registry.Get<TenantRegion>().Ask<ClusterShardingStats>(new GetClusterShardingStats(AskTimeout), AskTimeout + TimeSpan.FromSeconds(1));
            return Results.Ok(stats.Regions.Select(r => new
            {
                node = r.Key.ToString(),
                shards = r.Value.Stats.Count,
                entities = r.Value.Stats.Values.Sum(),
                failed = r.Value.Failed.Count,
            }));
        });
        api.MapGet("/sharding/regions/{name}/shards", async (string name, ActorRegistry registry, ActorSystem system) =>
        {
            if (name != TenantSharding.RegionName)
            {
                return Error(404, $"no region named `{name}`: the only region is `{TenantSharding.RegionName}`");
            }

            var state = await registry.Get<TenantRegion>().Ask<CurrentShardRegionState>(GetShardRegionState.Instance, AskTimeout);
            return Results.Ok(new
            {
                node = Akka.Cluster.Cluster.Get(system).SelfAddress.ToString(),
                shards = state.Shards.OrderBy(s => s.ShardId, StringComparer.Ordinal).Select(s => new { shard = s.ShardId, tenants = s.EntityIds.Order(StringComparer.Ordinal) }),
            });
        });
        api.MapGet("/sharding/locate/{tenant}", async (string tenant, ActorRegistry registry) =>
        {
            if (tenants.Find(tenant) is null)
            {
                return UnknownTenant(tenant);
            }

            var status = await AskStatus(registry, new TenantProtocol.GetStatus(tenant));
            return status is null
                ? Error(504, $"tenant `{tenant}` did not answer within {AskTimeout.TotalSeconds:0} s")
                : Results.Ok(new { tenant, shard = new TenantMessageExtractor(node.Sharding.Shards).ShardId(tenant, null), node = status.Node });
        });

        api.MapGet("/tenants", async (ActorRegistry registry) =>
        {
            var statuses = await TenantProgress.AskAll(registry.Get<TenantRegion>(), tenants.TenantIds, AskTimeout);
            var answered = statuses.ToDictionary(s => s.TenantId, StringComparer.Ordinal);
            return Results.Ok(tenants.TenantIds.Order(StringComparer.Ordinal).Select(id => answered.TryGetValue(id, out var s) ? TenantView.Of(s) : TenantView.Silent(id)));
        });
        api.MapGet("/tenants/{tenant}", async (string tenant, ActorRegistry registry) =>
            await Answer(tenant, registry, new TenantProtocol.GetStatus(tenant), s => TenantView.Detail(s, logs.Last(20, tenant))));
        api.MapPost("/tenants/{tenant}/pause", async (string tenant, PauseRequest? request, ActorRegistry registry) =>
            await Answer(tenant, registry, new TenantProtocol.PauseTenant(tenant, string.IsNullOrWhiteSpace(request?.Reason) ? "no reason given" : request.Reason), TenantView.Of));
        api.MapPost("/tenants/{tenant}/resume", async (string tenant, ActorRegistry registry) =>
            await Answer(tenant, registry, new TenantProtocol.ResumeTenant(tenant), TenantView.Of));

        api.MapPost("/tenants/{tenant}/replay", async (string tenant, ReplayRequest? request, ActorRegistry registry) =>
        {
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            if (request?.From is not { } from)
            {
                return Error(400, "give the date to replay from, e.g. {\"from\":\"" + today.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + "\"}");
            }

            if (from > today || from < today.AddDays(-6))
            {
                return Error(400, $"{from:yyyy-MM-dd} is outside the 7 days Mimecast keeps ({today.AddDays(-6):yyyy-MM-dd} to {today:yyyy-MM-dd})");
            }

            if (request.Stream is { } stream && tenants.Find(tenant) is { } configured && configured.Settings.Streams.All(s => s.Key != stream))
            {
                return Error(400, $"tenant `{tenant}` has no stream `{stream}` (streams: {string.Join(", ", configured.Settings.Streams.Select(s => s.Key))})");
            }

            return await Answer(tenant, registry, new TenantProtocol.ReplayTenant(tenant, from, request.Stream), TenantView.Of);
        });

        api.MapGet("/logs", (int? lines, string? tenant) =>
            lines is < 1 or > 5_000
                ? Error(400, $"lines must be between 1 and 5000 (got {lines})")
                : tenant is not null && tenants.Find(tenant) is null
                    ? UnknownTenant(tenant)
                    : Results.Ok(logs.Last(lines ?? 100, tenant)));

        async Task<IResult> Answer(string tenant, ActorRegistry registry, ITenantMessage message, Func<TenantProtocol.Status, object> view)
        {
            if (tenants.Find(tenant) is null)
            {
                return UnknownTenant(tenant);
            }

            return await AskStatus(registry, message) is { } status
                ? Results.Ok(view(status))
                : Error(504, $"tenant `{tenant}` did not answer within {AskTimeout.TotalSeconds:0} s");
        }
    }

    public sealed record MemberRequest(string? Address);

    public sealed record PauseRequest(string? Reason);

    /// <param name="Stream">One stream (an event type, or a group's comma-separated types); none: every stream.</param>
    public sealed record ReplayRequest(DateOnly? From, string? Stream);

    private static async Task<TenantProtocol.Status?> AskStatus(ActorRegistry registry, ITenantMessage message)
    {
        try
        {
            return await registry.Get<TenantRegion>().Ask<TenantProtocol.Status>(message, AskTimeout);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    private static IResult OnMember(ActorSystem system, MemberRequest request, Action<Akka.Cluster.Cluster, Address> act, string done)
    {
        if (string.IsNullOrWhiteSpace(request.Address))
        {
            return Error(400, "give the member's address, e.g. {\"address\":\"akka.tcp://mimecast-actors@10.0.0.5:4053\"}");
        }

        Address address;
        try
        {
            address = Address.Parse(request.Address);
        }
        catch (UriFormatException)
        {
            return Error(400, $"`{request.Address}` is not a node address like akka.tcp://mimecast-actors@10.0.0.5:4053");
        }

        var cluster = Akka.Cluster.Cluster.Get(system);
        if (!cluster.State.Members.Any(m => m.Address == address))
        {
            return Error(404, $"{address} is not a member of this cluster");
        }

        act(cluster, address);
        return Results.Ok(new { address = address.ToString(), status = done });
    }

    /// <summary>Null when the request may go on; otherwise the refusal. The token is compared in constant time.</summary>
    private static IResult? Authorized(HttpContext http, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return Error(403, "the admin API is disabled on this node: set Admin.Token");
        }

        var header = http.Request.Headers.Authorization.ToString();
        var given = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : "";
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token))
            ? null
            : Error(401, given.Length == 0 ? "missing bearer token (Authorization: Bearer <Admin.Token>)" : "wrong bearer token");
    }

    private static IResult UnknownTenant(string tenant) => Error(404, $"no tenant `{tenant}` is configured");

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);
}
