using Akka.Actor;

using MimecastActors.Actors;
using MimecastActors.Domain;

namespace MimecastActors.Host;

/// <summary>Where a tenant's configuration comes from. The configuration file wins over the admin API.</summary>
public enum TenantSource
{
    Configuration,
    Api,
}

/// <summary>
/// Every tenant the cluster knows, for the admin API: those of this node's configuration file and those in the
/// registry of tenants added through the API. Answers null-free or throws <see cref="RegistrySilentException"/>.
/// </summary>
public sealed class TenantCatalog(StaticTenantDirectory files, IActorRef registry, TimeSpan timeout)
{
    public async Task<IReadOnlyDictionary<string, TenantSource>> AllAsync()
    {
        var listing = await Ask<TenantRegistryProtocol.Listing>(new TenantRegistryProtocol.ListTenants());
        var all = listing.Tenants.ToDictionary(t => t.TenantId, _ => TenantSource.Api, StringComparer.Ordinal);
        foreach (var id in files.TenantIds)
        {
            all[id] = TenantSource.Configuration;
        }

        return all;
    }

    /// <summary>Null: no such tenant.</summary>
    public async Task<TenantSource?> SourceOfAsync(string tenantId) =>
        files.Find(tenantId) is not null ? TenantSource.Configuration
        : await RegisteredAsync(tenantId) is not null ? TenantSource.Api
        : null;

    /// <summary>The tenant's settings (no secrets) wherever they come from; null: no such tenant.</summary>
    public async Task<TenantSettings?> SettingsOfAsync(string tenantId) =>
        files.Find(tenantId)?.Settings ?? (await RegisteredAsync(tenantId))?.Settings;

    public async Task<RegisteredTenant?> RegisteredAsync(string tenantId) =>
        (await Ask<TenantRegistryProtocol.Found>(new TenantRegistryProtocol.FindTenant(tenantId))).Tenant;

    public Task<object> ChangeAsync(ITenantRegistryMessage change) => Ask<object>(change);

    private async Task<T> Ask<T>(ITenantRegistryMessage message)
    {
        try
        {
            return await registry.Ask<T>(message, timeout);
        }
        catch (AskTimeoutException)
        {
            throw new RegistrySilentException(
                $"the tenant registry did not answer within {timeout.TotalSeconds:0} s (it moves to another node when the oldest one leaves); try again");
        }
    }
}

public sealed class RegistrySilentException(string message) : Exception(message);
