using MimecastActors.Domain;
using MimecastActors.Mimecast;

namespace MimecastActors.Actors;

/// <summary>
/// A tenant as configured, secrets included. Secrets stay in memory: the journal keeps only
/// <see cref="TenantSettings"/>, whose fingerprints tell when a secret changed.
/// </summary>
public sealed record TenantConfiguration(TenantSettings Settings, MimecastCredentials Mimecast, string IntakeKey)
{
    public override string ToString() => $"TenantConfiguration {{ Tenant = {Settings.TenantId}, ClientId = {Mimecast.ClientId} }}";

    /// <summary>A tenant added through the admin API, its secrets opened with the node's key.</summary>
    /// <exception cref="SecretBoxException">The secrets were sealed with another key.</exception>
    public static TenantConfiguration Open(RegisteredTenant tenant, SecretBox secrets) => new(
        tenant.Settings,
        new MimecastCredentials(tenant.Settings.MimecastBaseUrl, tenant.Settings.ClientId, secrets.Open(tenant.SealedClientSecret, tenant.TenantId, RegisteredTenant.ClientSecretPurpose)),
        secrets.Open(tenant.SealedIntakeKey, tenant.TenantId, RegisteredTenant.IntakeKeyPurpose));

    /// <summary>Seals the secrets of a tenant added through the admin API, for the registry's journal.</summary>
    public RegisteredTenant Seal(SecretBox secrets) => new(
        Settings,
        secrets.Seal(Mimecast.ClientSecret, Settings.TenantId, RegisteredTenant.ClientSecretPurpose),
        secrets.Seal(IntakeKey, Settings.TenantId, RegisteredTenant.IntakeKeyPurpose));
}

/// <summary>Where a tenant's puller finds its configuration when it starts (also after a restart or a move to another node).</summary>
public interface ITenantDirectory
{
    TenantConfiguration? Find(string tenantId);
}

/// <summary>The tenants of the configuration file, fixed for the life of the node.</summary>
public sealed class StaticTenantDirectory(IEnumerable<TenantConfiguration> tenants) : ITenantDirectory
{
    private readonly Dictionary<string, TenantConfiguration> _tenants = tenants.ToDictionary(t => t.Settings.TenantId, StringComparer.Ordinal);

    public IEnumerable<string> TenantIds => _tenants.Keys;

    public TenantConfiguration? Find(string tenantId) => _tenants.GetValueOrDefault(tenantId);
}
