using LinqToDB.Data;

using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

using MimecastActors.Domain;
using MimecastActors.Host;
using MimecastActors.Mimecast;

namespace MimecastActors.Tests.Host;

public sealed class NodeBuilderTests
{
    [Fact]
    public void Reads_the_configuration_files_once_without_watching_the_working_folder()
    {
        using var temp = new TempFolder("mimecast-builder-");
        var folder = temp.Info;
        File.WriteAllText(Path.Combine(folder.FullName, "appsettings.json"), """{ "Cluster": { "Hostname": "from-file" } }""");

        var builder = MimecastNode.CreateBuilder(["--Cluster:Port=4321"], folder.FullName);

        var files = builder.Configuration.Sources.OfType<FileConfigurationSource>().ToList();
        files.Should().NotBeEmpty("appsettings.json is still read");
        files.Should().OnlyContain(f => !f.ReloadOnChange,
            "the node reads its configuration once; a watcher on the working folder wakes on every journal write");
        builder.Configuration["Cluster:Hostname"].Should().Be("from-file");
        builder.Configuration["Cluster:Port"].Should().Be("4321", "command-line settings still apply");
    }

    [Fact]
    public void The_demo_takes_its_own_settings_and_the_command_line_but_not_the_working_folder_or_the_environment()
    {
        using var temp = new TempFolder("mimecast-demo-");
        var folder = temp.Info;
        File.WriteAllText(Path.Combine(folder.FullName, "appsettings.json"),
            """{ "Persistence": { "ConnectionString": "Data Source=production.db" }, "Tenants": [ { "Id": "a" }, { "Id": "b" }, { "Id": "real" } ] }""");
        var builder = MimecastNode.CreateBuilder(["--Cluster:Port=4054"], folder.FullName);
        builder.Configuration["Persistence:ConnectionString"].Should().Be("Data Source=production.db", "a node reads it");

        NodeCommand.UseOnly(builder.Configuration, new Dictionary<string, string?>
        {
            ["Persistence:ConnectionString"] = "Data Source=demo.db",
            ["Tenants:0:Id"] = "tenant-1",
        }, ["--Cluster:Port=4054"]);

        builder.Configuration["Persistence:ConnectionString"].Should().Be("Data Source=demo.db");
        builder.Configuration.GetSection("Tenants").GetChildren().Select(t => t["Id"]).Should().Equal("tenant-1");
        builder.Configuration["Cluster:Port"].Should().Be("4054", "the command line still applies");
        builder.Configuration["PATH"].Should().BeNull("no environment variable");
    }

    [Fact]
    public async Task A_stalled_download_times_out_after_the_configured_idle_time()
    {
        using var temp = new TempFolder("mimecast-builder-");
        var folder = temp.Info;
        var builder = MimecastNode.CreateBuilder(
            ["--Forwarding:FileReadIdleTimeout=00:00:07", $"--Secrets:Key={SecretBox.NewKey()}", $"--Persistence:ConnectionString=Data Source={Path.Combine(folder.FullName, "node.db")}"],
            folder.FullName);
        var (node, problems) = NodeConfigurationCheck.Read(builder.Configuration);
        problems.Should().BeEmpty();

        await using var app = MimecastNode.Build(builder, node);

        app.Services.GetRequiredService<IOptions<MimecastClientOptions>>().Value.BlobIdleTimeout.Should().Be(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public void The_sqlite_file_is_created_with_its_folder_and_kept_in_write_ahead_log_mode()
    {
        using var temp = new TempFolder("mimecast-journal-");
        var folder = temp.Info;
        var connectionString = $"Data Source={Path.Combine(folder.FullName, "nested", "node.db")};Pooling=False";

        SqliteJournalFile.Prepare(connectionString);
        SqliteJournalFile.Prepare(connectionString); // a restart finds it ready

        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        command.ExecuteScalar().Should().Be("wal", "the mode is kept in the file, for every later connection");
    }

    [Fact]
    public async Task Journal_connections_sync_the_log_at_checkpoints_only_and_wait_for_locks_in_sqlite_whether_opened_in_sync_or_async()
    {
        using var temp = new TempFolder("mimecast-journal-");
        var folder = temp.Info;
        var connectionString = $"Data Source={Path.Combine(folder.FullName, "node.db")};Pooling=False";
        SqliteJournalFile.Prepare(connectionString);

        using (var db = new DataConnection(SqliteJournalFile.DataOptions(connectionString)))
        {
            db.Execute<long>("PRAGMA synchronous").Should().Be(1, "NORMAL: the write-ahead log is synced at checkpoints");
            db.Execute<long>("PRAGMA busy_timeout").Should().Be(5000, "SQLite waits for a lock itself, not Microsoft.Data.Sqlite's 150 ms sleeps");
        }

        await using (var db = new DataConnection(SqliteJournalFile.DataOptions(connectionString)))
        {
            (await db.ExecuteAsync<long>("PRAGMA synchronous")).Should().Be(1, "the same when the connection opens asynchronously");
            (await db.ExecuteAsync<long>("PRAGMA busy_timeout")).Should().Be(5000, "the same when the connection opens asynchronously");
        }

        using var plain = new SqliteConnection(connectionString);
        plain.Open();
        using var command = plain.CreateCommand();
        command.CommandText = "PRAGMA synchronous";
        command.ExecuteScalar().Should().Be(2L, "the setting is per connection (FULL is SQLite's default): the journal's own must set it");
        command.CommandText = "PRAGMA busy_timeout";
        command.ExecuteScalar().Should().Be(0L, "so is the busy timeout (none by default)");
    }

    [Fact]
    public void A_journal_folder_that_cannot_be_created_is_an_io_error_which_the_run_command_reports()
    {
        var blocker = Path.GetTempFileName(); // a file where the folder should be
        try
        {
            var act = () => SqliteJournalFile.Prepare($"Data Source={Path.Combine(blocker, "node.db")}");
            act.Should().Throw<IOException>();
        }
        finally
        {
            File.Delete(blocker);
        }
    }

    /// <summary>A folder of its own for one test, deleted with what it holds when the test ends.</summary>
    private sealed class TempFolder(string prefix) : IDisposable
    {
        public DirectoryInfo Info { get; } = Directory.CreateTempSubdirectory(prefix);

        public void Dispose() => Info.Delete(recursive: true);
    }
}
