using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Hosting;
using Akka.TestKit.Xunit2;

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

using MimecastActors.Actors;
using MimecastActors.Host;

namespace MimecastActors.Tests.Host;

public sealed class SingletonWatchTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 8, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    [Fact]
    public void A_node_that_is_not_the_oldest_is_alive_whatever_it_hosts()
    {
        var (next, verdict) = new SingletonWatch(T0).Observe(oldest: false, ["tenant registry"], T0.AddHours(1), Grace);

        verdict.Alive.Should().BeTrue();
        next.Should().Be(SingletonWatch.Start, "a node that becomes the oldest later gets a grace of its own");
    }

    [Fact]
    public void The_oldest_hosting_both_singletons_is_alive()
    {
        var (next, verdict) = SingletonWatch.Start.Observe(oldest: true, [], T0, Grace);

        verdict.Should().Be(new SingletonVerdict(true, "this node is the oldest member and hosts the shard coordinator and the tenant registry"));
        next.Should().Be(SingletonWatch.Start);
    }

    [Fact]
    public void The_oldest_may_miss_a_singleton_during_the_grace_of_a_hand_over_and_not_after()
    {
        var (first, during) = SingletonWatch.Start.Observe(oldest: true, ["tenant registry"], T0, Grace);
        during.Alive.Should().BeTrue();
        during.Description.Should().Contain("does not host the tenant registry yet");

        var (second, still) = first.Observe(oldest: true, ["tenant registry"], T0 + Grace - TimeSpan.FromSeconds(1), Grace);
        still.Alive.Should().BeTrue();

        var (_, after) = second.Observe(oldest: true, ["shard coordinator", "tenant registry"], T0 + Grace, Grace);
        after.Alive.Should().BeFalse();
        after.Description.Should().Be("this node has been the oldest member for 00:01:00 without hosting the shard coordinator and tenant registry: " +
            "its singleton manager will not start them; restarting the node moves them to the next oldest");
    }

    [Fact]
    public void A_singleton_found_again_restarts_the_grace()
    {
        var (missing, _) = SingletonWatch.Start.Observe(oldest: true, ["shard coordinator"], T0, Grace);
        var (hosted, _) = missing.Observe(oldest: true, [], T0.AddSeconds(30), Grace);

        var (_, verdict) = hosted.Observe(oldest: true, ["shard coordinator"], T0.AddSeconds(70), Grace);

        verdict.Alive.Should().BeTrue("the coordinator has been missing for no time since it was last seen");
    }
}

/// <summary>The liveness check against a real single-node cluster that hosts the two singletons at their real paths.</summary>
public sealed class SingletonHostingTests() : TestKit(Config)
{
    private static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.cluster.sharding.state-store-mode = ddata
        akka.cluster.sharding.remember-entities = off
        """);

    private sealed class Idle : ReceiveActor;

    [Fact]
    public async Task The_oldest_is_alive_while_it_hosts_both_singletons_and_not_once_one_has_been_gone_for_the_grace()
    {
        var cluster = Cluster.Get(Sys);
        await cluster.JoinAsync(cluster.SelfAddress);
        await ClusterSharding.Get(Sys).StartAsync(
            TenantSharding.RegionName, Props.Create<Idle>(), ClusterShardingSettings.Create(Sys), new TenantMessageExtractor(10));
        var registryManager = Sys.ActorOf(
            ClusterSingletonManager.Props(Props.Create<Idle>(), PoisonPill.Instance, ClusterSingletonManagerSettings.Create(Sys).WithSingletonName(TenantRegistry.SingletonName)),
            TenantRegistry.SingletonName);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var check = new SingletonHosting(TimeSpan.FromMinutes(1), clock);
        var registry = ActorRegistry.For(Sys);

        await AwaitAssertAsync(async () =>
        {
            var hosted = await check.CheckAsync(Sys, registry, CancellationToken.None);
            hosted.Description.Should().Be("this node is the oldest member and hosts the shard coordinator and the tenant registry");
        }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));

        Watch(registryManager);
        registryManager.Tell(PoisonPill.Instance);
        ExpectTerminated(registryManager);

        var during = await check.CheckAsync(Sys, registry, CancellationToken.None);
        during.Status.Should().Be(HealthStatus.Healthy, during.Description);
        during.Description.Should().Contain("does not host the tenant registry yet");

        clock.Advance(TimeSpan.FromMinutes(1));
        var after = await check.CheckAsync(Sys, registry, CancellationToken.None);
        after.Status.Should().Be(HealthStatus.Unhealthy);
        after.Description.Should().StartWith("this node has been the oldest member for 00:01:00 without hosting the tenant registry");
    }
}
