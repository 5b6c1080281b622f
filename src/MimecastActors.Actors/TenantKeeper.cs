using Akka.Actor;

using MimecastActors.Domain;

namespace MimecastActors.Actors;

/// <summary>
/// Sends <see cref="TenantProtocol.Start"/> to every configured tenant through the region now and then. Starting a
/// running tenant is a no-op; a tenant whose node died is started on a survivor at the next round, should
/// remember-entities miss it. (Neither restarts anything while the shard coordinator waits for
/// <c>Cluster.MinimumMembers</c> nodes to register: keep that a majority of the nodes.)
/// </summary>
public sealed class TenantKeeper : ReceiveActor, IWithTimers
{
    public TenantKeeper(IActorRef region, IReadOnlyList<string> tenants, TimeSpan every)
    {
        Receive<Round>(_ =>
        {
            foreach (var tenant in tenants)
            {
                region.Tell(new TenantProtocol.Start(tenant));
            }
        });
        Self.Tell(Round.Instance);
        if (tenants.Count > 0)
        {
            Timers.StartPeriodicTimer(Round.Instance, Round.Instance, every);
        }
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef region, IReadOnlyList<string> tenants, TimeSpan every) =>
        Akka.Actor.Props.Create(() => new TenantKeeper(region, tenants, every));

    private sealed class Round
    {
        public static readonly Round Instance = new();
    }
}
