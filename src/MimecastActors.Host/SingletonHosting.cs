using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;

using Microsoft.Extensions.Diagnostics.HealthChecks;

using MimecastActors.Actors;

namespace MimecastActors.Host;

/// <summary>Where the cluster singletons run (the shard coordinator, the tenant registry): on the oldest Up member.</summary>
public static class SingletonHost
{
    public static Member? Of(ClusterEvent.CurrentClusterState state) =>
        state.Members.Where(m => m.Status == MemberStatus.Up).Aggregate((Member?)null, (oldest, m) => oldest is null || m.IsOlderThan(oldest) ? m : oldest);
}

/// <summary>What one look at the singletons found, and what the liveness check answers.</summary>
public sealed record SingletonVerdict(bool Alive, string Description);

/// <summary>
/// Whether the oldest member hosts the cluster singletons (the shard coordinator and the tenant registry), over
/// successive looks. Akka's singleton manager has a state it never leaves (<c>End</c>, reached by a manager that handed
/// its singleton over, then ignores every later change of the oldest): a node left there while it is the oldest hosts
/// neither, and no other node starts them, so no tenant of a lost node restarts. Only a restart of that node moves
/// them; a hand-over takes seconds, so the check fails after a grace, not at the first look.
/// </summary>
public sealed record SingletonWatch(DateTimeOffset? MissingSince)
{
    public static SingletonWatch Start { get; } = new((DateTimeOffset?)null);

    /// <param name="oldest">This node is the oldest Up member, where the singletons must run.</param>
    /// <param name="missing">The singletons not found on this node.</param>
    /// <param name="now">When this look was taken.</param>
    /// <param name="grace">How long the oldest may miss a singleton (a hand-over in progress).</param>
    public (SingletonWatch Next, SingletonVerdict Verdict) Observe(bool oldest, IReadOnlyList<string> missing, DateTimeOffset now, TimeSpan grace)
    {
        if (!oldest)
        {
            return (Start, new SingletonVerdict(true, "another member is the oldest: the singletons run there"));
        }

        if (missing.Count == 0)
        {
            return (Start, new SingletonVerdict(true, "this node is the oldest member and hosts the shard coordinator and the tenant registry"));
        }

        var since = MissingSince ?? now;
        var what = string.Join(" and ", missing);
        var them = missing.Count == 1 ? "it" : "them";
        var waited = now - since;
        return waited < grace
            ? (new SingletonWatch(since), new SingletonVerdict(true, $"this node is the oldest member and does not host the {what} yet ({waited:hh\\:mm\\:ss} of the {grace:hh\\:mm\\:ss} allowed for a hand-over)"))
            : (new SingletonWatch(since), new SingletonVerdict(false,
                $"this node has been the oldest member for {waited:hh\\:mm\\:ss} without hosting the {what}: its singleton manager will not start {them}; restarting the node moves {them} to the next oldest"));
    }
}

/// <summary>The liveness check that the oldest member hosts the singletons (<see cref="SingletonWatch"/>).</summary>
public sealed class SingletonHosting(TimeSpan grace, TimeProvider clock)
{
    private static readonly (string Name, string Path)[] Singletons =
    [
        ("shard coordinator", $"/system/sharding/{TenantSharding.RegionName}Coordinator/singleton"),
        ("tenant registry", $"/user/{TenantRegistry.SingletonName}/{TenantRegistry.SingletonName}"),
    ];

    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock gate = new();
    private SingletonWatch watch = SingletonWatch.Start;

    public async Task<HealthCheckResult> CheckAsync(ActorSystem system, ActorRegistry _, CancellationToken cancellationToken)
    {
        var cluster = Cluster.Get(system);
        var isOldest = SingletonHost.Of(cluster.State)?.UniqueAddress.Equals(cluster.SelfUniqueAddress) == true;
        var missing = new List<string>();
        if (isOldest)
        {
            foreach (var (name, path) in Singletons)
            {
                if (!await IsHostedAsync(system, path, cancellationToken))
                {
                    missing.Add(name);
                }
            }
        }

        SingletonVerdict verdict;
        lock (gate)
        {
            (watch, verdict) = watch.Observe(isOldest, missing, clock.GetUtcNow(), grace);
        }

        return verdict.Alive ? HealthCheckResult.Healthy(verdict.Description) : HealthCheckResult.Unhealthy(verdict.Description);
    }

    private static async Task<bool> IsHostedAsync(ActorSystem system, string path, CancellationToken cancellationToken)
    {
        try
        {
            await system.ActorSelection(path).ResolveOne(LookupTimeout, cancellationToken);
            return true;
        }
        catch (ActorNotFoundException)
        {
            return false;
        }
    }
}
