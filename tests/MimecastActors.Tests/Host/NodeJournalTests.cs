using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;

using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

using MimecastActors.Host;

namespace MimecastActors.Tests.Host;

/// <summary>The node's SQLite journal as <see cref="MimecastNode.WithNodeJournal"/> sets it up, on a real file.</summary>
public sealed class NodeJournalTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("mimecast-journal-");

    private string File => Path.Combine(_folder.FullName, "node.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    /// <summary>An actor system with nothing but the node's journal on <see cref="File"/>.</summary>
    private IHost JournalHost()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddAkka("journal-test", akka => akka.WithNodeJournal(new PersistenceConfig { ConnectionString = $"Data Source={File}" }));
        return builder.Build();
    }

    [Fact]
    public async Task The_sqlite_journal_refuses_a_second_event_with_the_same_sequence_number()
    {
        using (var host = JournalHost())
        {
            await host.StartAsync();
            var writer = host.Services.GetRequiredService<ActorSystem>().ActorOf(Props.Create(() => new OneEventWriter("tenant-acme")));
            (await writer.Ask<long>("write", TimeSpan.FromSeconds(30))).Should().Be(1);
            await host.StopAsync();
        }

        await using var connection = new SqliteConnection($"Data Source={File};Pooling=False");
        await connection.OpenAsync();
        await using var copy = connection.CreateCommand();
        // The same row again, as a second incarnation of the tenant (a split cluster) would write it.
        copy.CommandText = "INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid) " +
                           "SELECT created, deleted, persistence_id, sequence_number, message, manifest, identifier, 'another-writer' FROM journal";
        var act = () => copy.ExecuteNonQueryAsync();
        (await act.Should().ThrowAsync<SqliteException>()).Which.SqliteErrorCode.Should().Be(19, "SQLITE_CONSTRAINT: (persistence_id, sequence_number) is unique");

        await using var plan = connection.CreateCommand();
        plan.CommandText = "EXPLAIN QUERY PLAN SELECT max(sequence_number) FROM journal WHERE persistence_id = 'tenant-acme'";
        await using var reader = await plan.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetString(3).Should().Contain("USING COVERING INDEX journal_uq", "a recovery reads its own rows, not the whole journal");
    }

    [Fact]
    public async Task A_recovery_reads_while_another_connection_holds_the_write_lock()
    {
        using var host = JournalHost();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        (await system.ActorOf(Props.Create(() => new OneEventWriter("tenant-acme"))).Ask<long>("write", TimeSpan.FromSeconds(30))).Should().Be(1);

        // A writer in the middle of its transaction: the journal's batches hold this lock in turn all day long.
        await using var writer = new SqliteConnection($"Data Source={File};Pooling=False");
        await writer.OpenAsync();
        await using (var begin = writer.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }

        // Waiting for the lock would take the connections' busy timeout (5 s), then fail the recovery.
        var started = System.Diagnostics.Stopwatch.StartNew();
        var again = system.ActorOf(Props.Create(() => new OneEventWriter("tenant-acme")));
        (await again.Ask<long>("last", TimeSpan.FromSeconds(4))).Should().Be(1, "the recovery read the committed event");
        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(4));

        await using (var rollback = writer.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        await host.StopAsync();
    }

    private sealed class OneEventWriter(string persistenceId) : UntypedPersistentActor
    {
        public override string PersistenceId => persistenceId;

        protected override void OnCommand(object message)
        {
            if (message is "last")
            {
                Sender.Tell(LastSequenceNr);
                return;
            }

            Persist("an event", _ => Sender.Tell(LastSequenceNr));
        }

        protected override void OnRecover(object message)
        {
        }
    }
}
