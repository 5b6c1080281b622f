using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

using MimecastActors.Domain;

using static MimecastActors.Domain.TenantRegistryProtocol;

namespace MimecastActors.Actors;

/// <summary>
/// The tenants added through the admin API, as a cluster singleton with its own journal (`tenant-registry`). A
/// change is journaled first, then told to the tenant through the region; the registry also keeps its tenants
/// running, as <see cref="TenantKeeper"/> does for configured ones. It holds sealed secrets only and never the key.
/// No snapshots: one event per operator action, thousands of them recover in well under a second.
/// </summary>
public sealed class TenantRegistry : ReceivePersistentActor, IWithTimers
{
    public const string SingletonName = "tenant-registry";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private TenantRegistryState _state = TenantRegistryState.Empty;

    public TenantRegistry(IActorRef region, TimeSpan keepRunningEvery, TimeProvider time)
    {
        Recover<ITenantRegistryEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            _log.Info("Tenant registry started with {0} tenants added through the admin API", _state.Tenants.Count);
            Self.Tell(KeepRunning.Instance);
            Timers.StartPeriodicTimer(KeepRunning.Instance, KeepRunning.Instance, keepRunningEvery);
        });

        Command<Register>(register =>
        {
            var (change, refusal) = _state.Register(register.Tenant, register.IsNew, time.GetUtcNow());
            Change(register.Tenant.TenantId, change, refusal, () =>
            {
                if (!register.IsNew)
                {
                    region.Tell(new TenantProtocol.ConfigurationChanged(register.Tenant.TenantId)); // stops it; the Start below brings it back on the new configuration
                }

                region.Tell(new TenantProtocol.Start(register.Tenant.TenantId));
                _log.Info("Tenant {0} {1} through the admin API", register.Tenant.TenantId, register.IsNew ? "added" : "updated");
            });
        });
        Command<Unregister>(unregister =>
        {
            var (change, refusal) = _state.Unregister(unregister.TenantId, time.GetUtcNow());
            Change(unregister.TenantId, change, refusal, () =>
            {
                region.Tell(new TenantProtocol.ConfigurationChanged(unregister.TenantId));
                _log.Info("Tenant {0} removed through the admin API; its journal is kept", unregister.TenantId);
            });
        });
        Command<FindTenant>(find => Sender.Tell(new Found(find.TenantId, _state.Find(find.TenantId))));
        Command<ListTenants>(_ => Sender.Tell(new Listing([.. _state.Tenants.Values])));
        Command<KeepRunning>(_ =>
        {
            foreach (var tenant in _state.Tenants.Keys)
            {
                region.Tell(new TenantProtocol.Start(tenant));
            }
        });
        Command<StopRegistry>(_ => Context.Stop(Self));
    }

    public override string PersistenceId => SingletonName;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef region, TimeSpan keepRunningEvery, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new TenantRegistry(region, keepRunningEvery, time));

    private void Change(string tenantId, ITenantRegistryEvent? change, RegistryRefusal? refusal, Action then)
    {
        if (change is null)
        {
            Sender.Tell(new Refused(tenantId, refusal!.Value));
            return;
        }

        Persist(change, e =>
        {
            _state = _state.Apply(e);
            then();
            Sender.Tell(new Done(tenantId));
        });
    }

    private sealed class KeepRunning
    {
        public static readonly KeepRunning Instance = new();
    }
}

/// <summary>The registry key of the registry singleton's proxy (<c>ActorRegistry.Get&lt;TenantRegistryProxy&gt;()</c>).</summary>
public sealed class TenantRegistryProxy;
