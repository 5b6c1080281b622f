using MimecastActors.Domain;

namespace MimecastActors.Host;

// The configuration contract of a node (DESIGN.md): these keys are fixed; new ones may be added, none renamed.
// Mutable classes because Microsoft.Extensions.Configuration binds into them; they are read once, at start.

/// <summary>The whole configuration of a node.</summary>
public sealed class NodeConfiguration
{
    public ClusterConfig Cluster { get; set; } = new();

    public AdminConfig Admin { get; set; } = new();

    public PersistenceConfig Persistence { get; set; } = new();

    public ShardingConfig Sharding { get; set; } = new();

    public ForwardingConfig Forwarding { get; set; } = new();

    public RejectedLinesConfig RejectedLines { get; set; } = new();

    public RetryConfig Retry { get; set; } = new();

    public SecretsConfig Secrets { get; set; } = new();

    public List<TenantConfig> Tenants { get; set; } = [];
}

public sealed class ClusterConfig
{
    public string Hostname { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 4053;

    /// <summary>Empty: the node is its own seed (a single node, or the first of a cluster).</summary>
    public List<string> SeedNodes { get; set; } = [];

    /// <summary>Empty: <see cref="DefaultRole"/>. Not a default list: the binder adds configured roles to it rather than replacing it.</summary>
    public List<string> Roles { get; set; } = [];

    public const string DefaultRole = "puller";

    /// <summary>The roles this node joins with.</summary>
    public IReadOnlyList<string> RolesOrDefault => Roles.Count > 0 ? Roles : [DefaultRole];

    /// <summary>
    /// Added key: members that must have joined before any becomes Up. Tenants are placed only on Up members, so a
    /// cluster started all at once (a StatefulSet's replicas) spreads them at once instead of piling them on the first.
    /// It is also akka.cluster.min-nr-of-members, which the shard coordinator waits for (registered regions) each time it
    /// starts, after the loss of its node too: keep it at most a majority of the nodes, or the survivors of that loss
    /// start none of the lost node's tenants.
    /// </summary>
    public int MinimumMembers { get; set; } = 1;

    /// <summary>Added key: the address to listen on when it differs from <see cref="Hostname"/> (0.0.0.0 in a pod).</summary>
    public string? BindHostname { get; set; }

    /// <summary>Added key: how long a partition must be stable before the split-brain resolver downs the unreachable side.</summary>
    public TimeSpan StableAfter { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Added key: how long this node may be the oldest member without hosting the shard coordinator and the tenant
    /// registry before its liveness check fails, so that a restart moves them to the next oldest.
    /// </summary>
    public TimeSpan SingletonGrace { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Added key: on Kubernetes, seeds are the StatefulSet's first pods (used when <see cref="SeedNodes"/> is empty).</summary>
    public StatefulSetConfig StatefulSet { get; set; } = new();
}

/// <summary>A StatefulSet behind a headless Service gives pod i the stable name `{Name}-{i}.{Service}.{Namespace}.svc.{Domain}`.</summary>
public sealed class StatefulSetConfig
{
    public string? Name { get; set; }

    public string? Service { get; set; }

    public string? Namespace { get; set; }

    public string Domain { get; set; } = "cluster.local";

    /// <summary>The first pods are the seeds; any of them up is enough for a node to join.</summary>
    public int Seeds { get; set; } = 3;

    public IReadOnlyList<string> SeedNodes(int port) =>
        string.IsNullOrWhiteSpace(Name)
            ? []
            : [.. Enumerable.Range(0, Seeds).Select(i => $"{NodeConfigurationCheck.AddressPrefix}{Name}-{i}.{Service ?? Name}.{Namespace ?? "default"}.svc.{Domain}:{port}")];
}

public sealed class AdminConfig
{
    public string Urls { get; set; } = "http://127.0.0.1:9110";

    /// <summary>Added key: the bearer token every `/api` request must carry; empty disables the API (health and metrics stay open).</summary>
    public string? Token { get; set; }
}

public sealed class PersistenceConfig
{
    public const string Sqlite = "Sqlite";
    public const string PostgreSql = "PostgreSql";

    public string Provider { get; set; } = Sqlite;

    public string ConnectionString { get; set; } = "Data Source=data/mimecast-actors.db";
}

/// <summary>Added key: how tenants are spread over the cluster (about ten shards per expected node).</summary>
public sealed class ShardingConfig
{
    public int Shards { get; set; } = 30;

    /// <summary>How often the node makes sure every configured tenant runs somewhere (a lost node's tenants restart within this).</summary>
    public TimeSpan EnsureTenantsEvery { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the coordinator moves shards towards the least loaded nodes (a node that joins gets its share this way).</summary>
    public TimeSpan RebalanceInterval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Added key: how much a tenant may have in flight to its intake, and how many intake requests and file reads a node runs at once.</summary>
public sealed class ForwardingConfig
{
    public int MaxChunksInFlight { get; set; } = 2;

    public int MaxConcurrentIntakeRequests { get; set; } = 32;

    /// <summary>Batch files read at once, all tenants together: each read builds a chunk of up to 9 MiB.</summary>
    public int MaxConcurrentFileReads { get; set; } = 16;

    /// <summary>How long a batch file's download may send nothing before its read ends as failed for now and is tried again.</summary>
    public TimeSpan FileReadIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>Added key: how long to wait after a failure (listing, file, intake), doubling up to the maximum.</summary>
public sealed class RetryConfig
{
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Added key: the key that seals the secrets of tenants added through the admin API before they reach the journal
/// (base64 of 32 random bytes; on Kubernetes, from a Secret). Every node of a cluster needs the same key; a node
/// without one does not start.
/// </summary>
public sealed class SecretsConfig
{
    public string? Key { get; set; }
}

/// <summary>Added key: where lines that cannot be forwarded are kept, one file per tenant.</summary>
public sealed class RejectedLinesConfig
{
    public string Folder { get; set; } = "data/rejected";
}

public sealed class TenantConfig
{
    public string Id { get; set; } = "";

    public MimecastConfig Mimecast { get; set; } = new();

    public IntakeConfig Intake { get; set; } = new();
}

public sealed class MimecastConfig
{
    public Uri BaseUrl { get; set; } = new("https://api.services.mimecast.com");

    public string ClientId { get; set; } = "";

    public string ClientSecret { get; set; } = "";

    /// <summary>Empty: all ten types.</summary>
    public List<string> EventTypes { get; set; } = [];

    /// <summary>Added key: fetch all the tenant's types as one stream (one comma-separated `type`, far fewer calls).</summary>
    public bool GroupEventTypes { get; set; }

    public int PageSize { get; set; } = 100;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(8);

    public RateLimitConfig RateLimit { get; set; } = new();
}

public sealed class RateLimitConfig
{
    public int Calls { get; set; } = RateLimitPolicy.Default.Calls;

    public TimeSpan Window { get; set; } = RateLimitPolicy.Default.Window;
}

public sealed class IntakeConfig
{
    public Uri Url { get; set; } = new("https://intake.sekoia.io");

    public string IntakeKey { get; set; } = "";
}
