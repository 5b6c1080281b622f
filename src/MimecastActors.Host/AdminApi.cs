using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;

using MimecastActors.Actors;
using MimecastActors.Domain;

namespace MimecastActors.Host;

/// <summary>
/// The node's admin API under <c>/api</c> (health and metrics stay open, for probes and scrapers): the cluster, the
/// tenant region, tenants and recent logs, as JSON. Every route needs <c>Authorization: Bearer {Admin.Token}</c>.
/// </summary>
public static class AdminApi
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Tenant bodies are read as the configuration file writes them; an unknown key, or a null where the configuration
    /// has a value, is a mistake worth naming (a 400 with the JSON path), not a 500.
    /// </summary>
    private static readonly JsonSerializerOptions TenantJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
    };

    public static void MapAdminApi(this WebApplication app, NodeConfiguration node, StaticTenantDirectory files, SecretBox secrets, LogRing logs)
    {
        // A body or query value that does not bind (malformed JSON, `lines=abc`) is a 400 with the documented
        // `{"error": …}` that names it, not an empty 400 (or a developer page): the node has the binder throw
        // (RouteHandlerOptions.ThrowOnBadRequest, MimecastNode) and this answers.
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                await Error(e.StatusCode, e.Message).ExecuteAsync(context);
            }
        });

        var api = app.MapGroup("/api").AddEndpointFilter(async (context, next) =>
        {
            if (Authorized(context.HttpContext, node.Admin.Token) is { } refusal)
            {
                return refusal;
            }

            try
            {
                return await next(context);
            }
            catch (RegistrySilentException e)
            {
                return Error(503, e.Message);
            }
            catch (AskTimeoutException)
            {
                // The region or the coordinator is busy or moving (a node joining or leaving): try again.
                return Error(504, $"the cluster did not answer within {AskTimeout.TotalSeconds:0} s; try again");
            }
        });
        TenantCatalog Catalog(ActorRegistry registry) => new(files, registry.Get<TenantRegistryProxy>(), AskTimeout);

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
            if (await Catalog(registry).SourceOfAsync(tenant) is null)
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
            var all = await Catalog(registry).AllAsync();
            var statuses = await TenantProgress.AskAll(registry.Get<TenantRegion>(), all.Keys, AskTimeout);
            var answered = statuses.ToDictionary(s => s.TenantId, StringComparer.Ordinal);
            return Results.Ok(all.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t =>
                (answered.TryGetValue(t.Key, out var s) ? TenantView.Of(s) : TenantView.Silent(t.Key)) with { Source = SourceName(t.Value) }));
        });
        api.MapPost("/tenants", async (HttpRequest request, ActorRegistry registry) => await Register(request, null, registry));
        api.MapPut("/tenants/{tenant}", async (string tenant, HttpRequest request, ActorRegistry registry) => await Register(request, tenant, registry));
        api.MapDelete("/tenants/{tenant}", async (string tenant, ActorRegistry registry) =>
        {
            // A tenant added through the API and then written into the file runs on the file, but its registration
            // stays: taken out of the file later, it would come back on its old API settings. So it can be removed.
            var removed = await Catalog(registry).ChangeAsync(new TenantRegistryProtocol.Unregister(tenant)) is TenantRegistryProtocol.Done;
            return (removed, files.Find(tenant) is not null) switch
            {
                (true, false) => Results.Ok(new { tenant, status = "removed" }),
                (true, true) => Results.Ok(new { tenant, status = "removed from the admin API; it runs on from the configuration file" }),
                (false, true) => InConfigurationFile(tenant),
                (false, false) => Error(404, $"no tenant `{tenant}` was added through the admin API"),
            };
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

            if (request.Stream is { } stream && await Catalog(registry).SettingsOfAsync(tenant) is { } configured && configured.Streams.All(s => s.Key != stream))
            {
                return Error(400, $"tenant `{tenant}` has no stream `{stream}` (streams: {string.Join(", ", configured.Streams.Select(s => s.Key))})");
            }

            return await Answer(tenant, registry, new TenantProtocol.ReplayTenant(tenant, from, request.Stream), TenantView.Of);
        });

        api.MapGet("/logs", async (int? lines, string? tenant, ActorRegistry registry) =>
            lines is < 1 or > 5_000
                ? Error(400, $"lines must be between 1 and 5000 (got {lines})")
                : tenant is not null && await Catalog(registry).SourceOfAsync(tenant) is null
                    ? UnknownTenant(tenant)
                    : Results.Ok(logs.Last(lines ?? 100, tenant)));

        async Task<IResult> Answer(string tenant, ActorRegistry registry, ITenantMessage message, Func<TenantProtocol.Status, TenantView> view)
        {
            if (await Catalog(registry).SourceOfAsync(tenant) is not { } source)
            {
                return UnknownTenant(tenant);
            }

            return await AskStatus(registry, message) is { } status
                ? Results.Ok(view(status) with { Source = SourceName(source) })
                : Error(504, $"tenant `{tenant}` did not answer within {AskTimeout.TotalSeconds:0} s");
        }

        // Adds (no id in the route) or updates a tenant of the registry. Its secrets are sealed here, with this node's
        // key, before they leave the node; an update that leaves a secret out keeps the one registered.
        async Task<IResult> Register(HttpRequest request, string? routeId, ActorRegistry registry)
        {
            var isNew = routeId is null;
            TenantConfig? tenant;
            try
            {
                tenant = await JsonSerializer.DeserializeAsync<TenantConfig>(request.Body, TenantJson, request.HttpContext.RequestAborted);
            }
            catch (JsonException e)
            {
                return Error(400, $"the tenant is not valid JSON of the configuration file's shape: {e.Message}");
            }

            if (tenant is null)
            {
                return Error(400, "give the tenant as JSON, as in the configuration file: {\"id\":…,\"mimecast\":{…},\"intake\":{…}}");
            }

            if (routeId is not null)
            {
                if (tenant.Id.Length > 0 && tenant.Id != routeId)
                {
                    return Error(400, $"the body names tenant `{tenant.Id}` but the address `{routeId}`: a tenant's id cannot change");
                }

                tenant.Id = routeId;
            }

            if (files.Find(tenant.Id) is not null)
            {
                return InConfigurationFile(tenant.Id);
            }

            var catalog = Catalog(registry);
            var existing = isNew ? null : await catalog.RegisteredAsync(tenant.Id);
            if (!isNew && existing is null)
            {
                return Error(404, $"no tenant `{tenant.Id}` was added through the admin API (add it with POST /api/tenants)");
            }

            var keepSecret = existing is not null && string.IsNullOrEmpty(tenant.Mimecast.ClientSecret);
            var keepKey = existing is not null && string.IsNullOrEmpty(tenant.Intake.IntakeKey);
            tenant.Mimecast.ClientSecret = keepSecret ? "kept" : tenant.Mimecast.ClientSecret;
            tenant.Intake.IntakeKey = keepKey ? "kept" : tenant.Intake.IntakeKey;
            if (NodeConfigurationCheck.TenantProblems(tenant) is { Count: > 0 } problems)
            {
                return Results.Json(new { error = $"tenant `{tenant.Id}` is not valid: {string.Join(" ", problems)}", problems }, statusCode: 400);
            }

            var registered = NodeConfigurationCheck.ToTenant(tenant).Seal(secrets);
            if (keepSecret)
            {
                registered = registered with
                {
                    SealedClientSecret = existing!.SealedClientSecret,
                    Settings = registered.Settings with { ClientSecretFingerprint = existing.Settings.ClientSecretFingerprint },
                };
            }

            if (keepKey)
            {
                registered = registered with
                {
                    SealedIntakeKey = existing!.SealedIntakeKey,
                    Settings = registered.Settings with { IntakeKeyFingerprint = existing.Settings.IntakeKeyFingerprint },
                };
            }

            return await catalog.ChangeAsync(new TenantRegistryProtocol.Register(registered, isNew)) switch
            {
                TenantRegistryProtocol.Done => Results.Json(TenantConfigurationView.Of(registered.Settings, isNew ? "added" : "updated"), statusCode: isNew ? 201 : 200),
                TenantRegistryProtocol.Refused { Why: RegistryRefusal.AlreadyRegistered } =>
                    Error(409, $"tenant `{tenant.Id}` already exists: change it with PUT /api/tenants/{tenant.Id}"),
                _ => Error(404, $"no tenant `{tenant.Id}` was added through the admin API (add it with POST /api/tenants)"),
            };
        }
    }

    private static string SourceName(TenantSource source) => source == TenantSource.Configuration ? "configuration" : "api";

    private static IResult InConfigurationFile(string tenant) =>
        Error(409, $"tenant `{tenant}` is in the node's configuration file, which wins over the admin API: change or remove it there");

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

    private static IResult UnknownTenant(string tenant) => Error(404, $"no tenant `{tenant}`: it is neither in the configuration file nor added through the admin API");

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);
}
