using System.Diagnostics;

using Npgsql;

namespace MimecastActors.IntegrationTests.Node;

/// <summary>
/// The real PostgreSQL server of the tests: `.ci/run` starts it, and a test run without it starts it through the same
/// script (`.ci/postgres`). Each test gets a database of its own, so tests never see each other's journal.
/// </summary>
public static class PostgresServer
{
    private static readonly SemaphoreSlim Starting = new(1, 1);
    private static string? _server;

    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var server = await EnsureStartedAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    private static async Task<string> EnsureStartedAsync()
    {
        await Starting.WaitAsync();
        try
        {
            if (_server is not null)
            {
                return _server;
            }

            var script = Path.Combine(RepositoryPaths.Root, ".ci", "postgres");
            using var process = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"PostgreSQL could not be started by {script} (exit {process.ExitCode}): {error}");
            }

            return _server = output.Trim();
        }
        finally
        {
            Starting.Release();
        }
    }
}
