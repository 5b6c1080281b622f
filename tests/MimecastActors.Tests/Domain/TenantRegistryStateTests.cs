using MimecastActors.Domain;

using static MimecastActors.Tests.Domain.DomainSamples;

namespace MimecastActors.Tests.Domain;

public sealed class TenantRegistryStateTests
{
    private static RegisteredTenant Acme(int pageSize = 100) => new(Settings() with { PageSize = pageSize }, "v1:sealed-secret", "v1:sealed-key");

    [Fact]
    public void Adding_a_new_tenant_registers_it()
    {
        var (change, refusal) = TenantRegistryState.Empty.Register(Acme(), isNew: true, T0);

        refusal.Should().BeNull();
        TenantRegistryState.Empty.Apply(change!).Find("acme").Should().BeEquivalentTo(Acme());
    }

    [Fact]
    public void Adding_a_known_id_is_refused_so_that_a_typo_never_overwrites_another_tenant()
    {
        var state = TenantRegistryState.Empty.Apply(new TenantRegistryEvents.TenantRegistered(Acme(), T0));

        state.Register(Acme(50), isNew: true, T0).Should().Be(((ITenantRegistryEvent?)null, RegistryRefusal.AlreadyRegistered));
    }

    [Fact]
    public void Updating_replaces_a_known_tenant_and_refuses_an_unknown_one()
    {
        var state = TenantRegistryState.Empty.Apply(new TenantRegistryEvents.TenantRegistered(Acme(), T0));

        var (change, _) = state.Register(Acme(50), isNew: false, T0);
        state.Apply(change!).Find("acme")!.Settings.PageSize.Should().Be(50);
        TenantRegistryState.Empty.Register(Acme(), isNew: false, T0).Refusal.Should().Be(RegistryRefusal.UnknownTenant);
    }

    [Fact]
    public void Removing_forgets_a_known_tenant_and_refuses_an_unknown_one()
    {
        var state = TenantRegistryState.Empty.Apply(new TenantRegistryEvents.TenantRegistered(Acme(), T0));

        var (change, _) = state.Unregister("acme", T0);
        state.Apply(change!).Tenants.Should().BeEmpty();
        state.Unregister("globex", T0).Refusal.Should().Be(RegistryRefusal.UnknownTenant);
    }
}
