namespace MimecastActors.Domain;

/// <summary>Marker of the messages to and from the tenant registry actor; they cross the cluster (it is a singleton).</summary>
public interface ITenantRegistryMessage;

/// <summary>The messages the tenant registry actor answers (its state is <see cref="TenantRegistryState"/>).</summary>
public static class TenantRegistryProtocol
{
    /// <summary>Adds a tenant (<paramref name="IsNew"/>) or replaces a known one's configuration. Answered with <see cref="Done"/> or <see cref="Refused"/>.</summary>
    public sealed record Register(RegisteredTenant Tenant, bool IsNew) : ITenantRegistryMessage;

    /// <summary>Removes a tenant: it stops, its journal is kept. Answered with <see cref="Done"/> or <see cref="Refused"/>.</summary>
    public sealed record Unregister(string TenantId) : ITenantRegistryMessage;

    /// <summary>Answered with <see cref="Found"/>.</summary>
    public sealed record FindTenant(string TenantId) : ITenantRegistryMessage;

    public sealed record Found(string TenantId, RegisteredTenant? Tenant) : ITenantRegistryMessage;

    /// <summary>Answered with <see cref="Listing"/>.</summary>
    public sealed record ListTenants : ITenantRegistryMessage;

    public sealed record Listing(IReadOnlyList<RegisteredTenant> Tenants) : ITenantRegistryMessage;

    public sealed record Done(string TenantId) : ITenantRegistryMessage;

    public sealed record Refused(string TenantId, RegistryRefusal Why) : ITenantRegistryMessage;

    /// <summary>
    /// Stops the registry when its singleton moves: a command, so that it waits behind a write in progress (the
    /// default PoisonPill would stop it between the write and its answer).
    /// </summary>
    public sealed class StopRegistry
    {
        public static readonly StopRegistry Instance = new();

        private StopRegistry()
        {
        }
    }
}
