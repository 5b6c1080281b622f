using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Pattern;

using MimecastActors.Domain;

namespace MimecastActors.Actors;

/// <summary>Tenants are sharding entities: the tenant id is the entity id, and shards are its hash modulo a fixed count.</summary>
public sealed class TenantMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
{
    // Akka handles StartEntity (remember-entities) and ShardingEnvelope itself.
    public override string? EntityId(object message) => (message as ITenantMessage)?.TenantId;
}

/// <summary>The Akka.Hosting wiring of the <c>tenant</c> shard region.</summary>
public static class TenantSharding
{
    /// <summary>The region's name (a key in the sharding coordinator's state: never rename it).</summary>
    public const string RegionName = "tenant";

    /// <summary>
    /// Starts the region. Remember-entities on the event-sourced store brings tenants back by themselves after a
    /// restart or a node loss (the DData store hangs with the LightningDB served here); the hand-off message is one
    /// the puller handles, so a rebalance does not drop its mailbox like PoisonPill would.
    /// </summary>
    public static AkkaConfigurationBuilder WithTenantSharding(this AkkaConfigurationBuilder builder, Func<string, Akka.Actor.Props> tenant, int shards, string? role) =>
        builder.WithShardRegion<TenantRegion>(
            RegionName,
            tenant,
            new TenantMessageExtractor(shards),
            new ShardOptions
            {
                Role = role,
                RememberEntities = true,
                RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
                StateStoreMode = StateStoreMode.DData,
                HandOffStopMessage = TenantProtocol.HandOff.Instance,
            });

    /// <summary>
    /// Starts the registry of tenants added through the admin API: a singleton (on the oldest node) behind a backoff
    /// supervisor, because a singleton that stops (a failed journal write stops a persistent actor) is not restarted
    /// by its manager. Call after <see cref="WithTenantSharding"/>: the registry talks to the region.
    /// </summary>
    public static AkkaConfigurationBuilder WithTenantRegistry(this AkkaConfigurationBuilder builder, TimeSpan keepRunningEvery, string? role) =>
        builder.WithSingleton<TenantRegistryProxy>(
            TenantRegistry.SingletonName,
            (_, registry, _) => BackoffSupervisor.Props(
                Backoff.OnStop(
                        TenantRegistry.Props(registry.Get<TenantRegion>(), keepRunningEvery, TimeProvider.System),
                        TenantRegistry.SingletonName,
                        TimeSpan.FromSeconds(1),
                        TimeSpan.FromSeconds(30),
                        0.2,
                        maxNrOfRetries: -1)
                    .WithFinalStopMessage(message => message is TenantRegistryProtocol.StopRegistry)),
            new ClusterSingletonOptions { Role = role, TerminationMessage = TenantRegistryProtocol.StopRegistry.Instance },
            createProxyToo: true);
}

/// <summary>The registry key of the <c>tenant</c> region (<c>ActorRegistry.Get&lt;TenantRegion&gt;()</c>).</summary>
public sealed class TenantRegion;
