using System.Data.Common;

using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;

using Npgsql;

namespace MimecastActors.Host;

/// <summary>
/// Ready only while the journal's database answers: a tenant cannot start or checkpoint without it. Hand-written
/// because Akka.Persistence.Sql.Hosting 1.5.70's connectivity check fails to load against linq2db 6.5.1
/// (`DataConnectionExtensions` is gone), the only combination served here.
/// </summary>
public sealed class JournalReachable(PersistenceConfig persistence) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using DbConnection connection = NodeConfigurationCheck.IsProvider(persistence.Provider, PersistenceConfig.PostgreSql)
                ? new NpgsqlConnection(persistence.ConnectionString)
                : new SqliteConnection(persistence.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var query = connection.CreateCommand();
            query.CommandText = "SELECT 1";
            await query.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{persistence.Provider} answers");
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or IOException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"{persistence.Provider} journal unreachable: {e.Message}");
        }
    }
}
