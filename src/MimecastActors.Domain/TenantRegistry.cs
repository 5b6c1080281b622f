using System.Collections.Immutable;

namespace MimecastActors.Domain;

/// <summary>
/// A tenant added through the admin API: its settings (secrets as fingerprints, like any tenant's journal) and its
/// secrets sealed by <see cref="SecretBox"/>, so that any node holding the key can start it.
/// </summary>
public sealed record RegisteredTenant(TenantSettings Settings, string SealedClientSecret, string SealedIntakeKey)
{
    public const string ClientSecretPurpose = "client secret";
    public const string IntakeKeyPurpose = "intake key";

    public string TenantId => Settings.TenantId;
}

/// <summary>Marker of what the tenant registry persists; the serializer is bound to it.</summary>
public interface ITenantRegistryEvent
{
    DateTimeOffset At { get; }
}

/// <summary>The events of the registry's journal. Their names are stable manifests: rename none.</summary>
public static class TenantRegistryEvents
{
    /// <summary>A tenant was added, or its configuration replaced.</summary>
    public sealed record TenantRegistered(RegisteredTenant Tenant, DateTimeOffset At) : ITenantRegistryEvent;

    /// <summary>A tenant was removed: it stops; its own journal (cursors, budget) is kept, should it come back.</summary>
    public sealed record TenantUnregistered(string TenantId, DateTimeOffset At) : ITenantRegistryEvent;
}

/// <summary>Why the registry refused a change: the admin API turns these into 404 and 409.</summary>
public enum RegistryRefusal
{
    UnknownTenant,
    AlreadyRegistered,
}

/// <summary>The tenants added at runtime, changed only by <see cref="Apply"/>; the decisions are pure.</summary>
public sealed record TenantRegistryState(ImmutableSortedDictionary<string, RegisteredTenant> Tenants)
{
    public static readonly TenantRegistryState Empty = new(ImmutableSortedDictionary.Create<string, RegisteredTenant>(StringComparer.Ordinal));

    public TenantRegistryState Apply(ITenantRegistryEvent e) => e switch
    {
        TenantRegistryEvents.TenantRegistered r => new(Tenants.SetItem(r.Tenant.TenantId, r.Tenant)),
        TenantRegistryEvents.TenantUnregistered u => new(Tenants.Remove(u.TenantId)),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e, "not a registry event"),
    };

    public RegisteredTenant? Find(string tenantId) => Tenants.GetValueOrDefault(tenantId);

    /// <summary>Adding names a new tenant, updating a known one: an operator who mistypes an id learns it at once.</summary>
    public (ITenantRegistryEvent? Event, RegistryRefusal? Refusal) Register(RegisteredTenant tenant, bool isNew, DateTimeOffset now) =>
        (isNew, Tenants.ContainsKey(tenant.TenantId)) switch
        {
            (true, true) => (null, RegistryRefusal.AlreadyRegistered),
            (false, false) => (null, RegistryRefusal.UnknownTenant),
            _ => (new TenantRegistryEvents.TenantRegistered(tenant, now), null),
        };

    public (ITenantRegistryEvent? Event, RegistryRefusal? Refusal) Unregister(string tenantId, DateTimeOffset now) =>
        Tenants.ContainsKey(tenantId) ? (new TenantRegistryEvents.TenantUnregistered(tenantId, now), null) : (null, RegistryRefusal.UnknownTenant);
}
