using System.Data.Common;

using LinqToDB;

using Microsoft.Data.Sqlite;

namespace MimecastActors.Host;

/// <summary>The node's SQLite file, made ready before the journal opens it.</summary>
public static class SqliteJournalFile
{
    /// <summary>
    /// Creates the file and its folder on first start, and keeps it in write-ahead-log mode (a setting stored in the
    /// file). In SQLite's default rollback mode every commit wrote and synced a journal file, the database and the
    /// folder; tenants checkpoint through SQLite's single writer, so those syncs were a queue (the bench saw them in
    /// the 100-tenant run). With the log, a commit appends and syncs once; a crashed process loses nothing either way.
    /// </summary>
    /// <exception cref="SqliteException">The file cannot be created or opened.</exception>
    public static void Prepare(string connectionString)
    {
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (Path.GetDirectoryName(Path.GetFullPath(file)) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL";
        command.ExecuteScalar();
    }

    /// <summary>What is wrong with a connection string for the node's SQLite file, or null.</summary>
    public static string? Problem(string connectionString)
    {
        try
        {
            var settings = new SqliteConnectionStringBuilder(connectionString);
            return settings.Cache == SqliteCacheMode.Shared
                ? "Persistence.ConnectionString: Cache=Shared is not supported; the journal's connections must not share a cache (remove it)."
                : null;
        }
        catch (ArgumentException e)
        {
            return $"Persistence.ConnectionString is not a SQLite connection string: {e.Message}";
        }
    }

    /// <summary>
    /// How the journal opens the file: every connection syncs the log at checkpoints only (<c>synchronous = NORMAL</c>),
    /// not at every commit. The journal's single writer otherwise waited on an fsync per commit (2,400 in the 100-tenant
    /// bench). A crashed process still loses nothing; a power cut may lose the last commits, which is a checkpoint
    /// older than the intake's acknowledgements: the events after it are sent again, never skipped.
    /// <para>
    /// Every connection also lets SQLite wait for a lock itself (<c>busy_timeout</c>). The journal's batches, its deletion
    /// of old events and the snapshot store write the file through connections of their own, and SQLite has one writer
    /// at a time: without a busy timeout, Microsoft.Data.Sqlite answers a locked file by putting its thread to sleep for
    /// 150 ms before it tries again, and the bench's 100 tenants stood still for 150–300 ms several times per run.
    /// SQLite's own wait retries within a millisecond or a few.
    /// </para>
    /// <para>
    /// Opening a connection also yields to the thread pool. Microsoft.Data.Sqlite completes every "async" call
    /// synchronously, so Akka.Persistence.Sql's write stage ran each write inside the stream actor that queues the
    /// writes: the rows that arrived meanwhile could not be queued until it ended, every batch held one row, and each
    /// row paid a transaction, a connection and linq2db building its insert anew. Yielding frees that actor, so rows
    /// arriving during a write go into the next batch (the <c>journal</c> bench: about 400 → 40 µs of CPU per event).
    /// </para>
    /// </summary>
    public static DataOptions DataOptions(string connectionString) =>
        new DataOptions()
            .UseConnectionString(ProviderName.SQLiteMS, connectionString)
            .UseAfterConnectionOpened(ConfigureConnection, (connection, cancel) => ConfigureConnectionAsync(connection, cancel));

    /// <summary>
    /// The isolation level of the journal's and snapshot store's reads (recoveries). Microsoft.Data.Sqlite begins every
    /// transaction with <c>BEGIN IMMEDIATE</c>, which takes the file's single write lock, except a read-uncommitted one,
    /// which it begins deferred. A deferred transaction that only reads takes no lock in write-ahead-log mode: it reads
    /// the last committed state and never waits. With the default, each of a starting node's recoveries queued for the
    /// write lock behind the others and the journal's writes, and SQLite slept between tries (<c>busy_timeout</c>): 1.3
    /// seconds of sleeping threads in the first second of the bench's 100 tenants. Read-uncommitted reads nothing
    /// uncommitted here: SQLite honours it only between connections that share a cache, which the node's do not
    /// (<see cref="Problem"/> refuses <c>Cache=Shared</c>).
    /// </summary>
    public const string ReadIsolationLevel = "read-uncommitted";

    private static void ConfigureConnection(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = ConnectionPragmas;
        command.ExecuteNonQuery();
    }

    private static async Task ConfigureConnectionAsync(DbConnection connection, CancellationToken cancel)
    {
        await Task.Yield(); // see DataOptions: off the journal's write stage

        await using var command = connection.CreateCommand();
        command.CommandText = ConnectionPragmas;
        await command.ExecuteNonQueryAsync(cancel);
    }

    private const string ConnectionPragmas = "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000";
}
