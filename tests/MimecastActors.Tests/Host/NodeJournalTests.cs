using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;

using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

using MimecastActors.Host;

namespace MimecastActors.Tests.Host;

/// <summary>The node's SQLite journal as <see cref="MimecastNode.WithNodeJournal"/> sets it up, on a real file.</summary>
public sealed class NodeJournalTests
{
    [Fact]
    public async Task The_sqlite_journal_refuses_a_second_event_with_the_same_sequence_number()
    {
        var folder = Directory.CreateTempSubdirectory("mimecast-journal-");
        try
        {
            var file = Path.Combine(folder.FullName, "node.db");
            var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Services.AddAkka("journal-test", akka => akka.WithNodeJournal(new PersistenceConfig { ConnectionString = $"Data Source={file}" }));
            using (var host = builder.Build())
            {
                await host.StartAsync();
                var writer = host.Services.GetRequiredService<ActorSystem>().ActorOf(Props.Create(() => new OneEventWriter("tenant-acme")));
                (await writer.Ask<long>("write", TimeSpan.FromSeconds(30))).Should().Be(1);
                await host.StopAsync();
            }

            await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
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
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    private sealed class OneEventWriter(string persistenceId) : UntypedPersistentActor
    {
        public override string PersistenceId => persistenceId;

        protected override void OnCommand(object message) =>
            Persist("an event", _ => Sender.Tell(LastSequenceNr));

        protected override void OnRecover(object message)
        {
        }
    }
}
