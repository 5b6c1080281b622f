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
}
