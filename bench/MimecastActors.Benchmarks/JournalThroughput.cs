using System.Diagnostics;

using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;

using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

using MimecastActors.Actors;
using MimecastActors.Domain;
using MimecastActors.Host;

namespace MimecastActors.Benchmarks;

/// <summary>
/// The node's journal as a tenant uses it: many persistent actors, each writing one checkpoint after the other (the
/// event a file's completion writes), into the SQLite file configured as <c>mimecast-actors</c> configures it —
/// against the floor: the same serialized events inserted one transaction each through Microsoft.Data.Sqlite, in a
/// file with the same settings, on one thread. Both print CPU per event, which is what a node with thousands of
/// tenants pays.
/// </summary>
internal static class JournalThroughput
{
    public static async Task RunAsync(int tenants, int eventsPerTenant, int rounds, string? hocon)
    {
        var folder = Directory.CreateTempSubdirectory("mimecast-journal-bench-").FullName;
        try
        {
            var persistence = new PersistenceConfig { ConnectionString = $"Data Source={Path.Combine(folder, "node.db")}" };
            var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Services.AddAkka("journal-bench", akka => akka
                .WithCustomSerializer(TenantSerializer.Name, TenantSerializer.BoundTypes, system => new TenantSerializer(system))
                .WithNodeJournal(persistence)
                .AddHocon(hocon ?? "", HoconAddMode.Prepend));
            using var host = builder.Build();
            await host.StartAsync();
            var system = host.Services.GetRequiredService<ActorSystem>();
            var events = tenants * eventsPerTenant;
            Console.WriteLine($"journal: {tenants} persistent actors x {eventsPerTenant} events, each written after the previous one is stored " +
                              $"(Persist), SQLite as the node configures it{(hocon is null ? "" : $" and {hocon}")}; best of {rounds} rounds, {Environment.ProcessorCount} cores");

            var writers = Enumerable.Range(0, tenants).Select(i => system.ActorOf(Props.Create(() => new JournalWriter($"bench-tenant-{i}")))).ToList();
            await Task.WhenAll(writers.Select(w => w.Ask<Written>(new Write(0), TimeSpan.FromMinutes(1)))); // recovered, and the journal warm

            var journal = await BestAsync(rounds, () => Measure(events, () => Task.WhenAll(writers.Select(w => w.Ask<Written>(new Write(eventsPerTenant), TimeSpan.FromMinutes(5))))));
            var sample = new TenantEvents.FileCompleted("receipt", "mimecast-batch-file-0001.gz", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
            var serializer = system.Serialization.FindSerializerFor(sample);
            var (bytes, manifest) = (serializer.ToBinary(sample), Akka.Serialization.Serialization.ManifestFor(serializer, sample));
            var baseline = await BestAsync(rounds, () => Measure(events, () => RawInsertsAsync(Path.Combine(folder, "baseline.db"), tenants, eventsPerTenant, serializer, sample)));

            Console.WriteLine($"  baseline: one INSERT per transaction, Microsoft.Data.Sqlite, one thread   {baseline.PerSecond,10:N0} events/s  " +
                              $"({baseline.CpuMicroseconds,5:N0} µs of CPU per event; {bytes.Length} bytes, manifest {manifest})");
            Console.WriteLine($"  journal:  Persist through Akka.Persistence.Sql, {tenants} actors at once   {journal.PerSecond,10:N0} events/s  " +
                              $"({journal.CpuMicroseconds,5:N0} µs of CPU per event)");
            Console.WriteLine($"  ratio journal/baseline = {journal.PerSecond / baseline.PerSecond:N2} (events/s), " +
                              $"{journal.CpuMicroseconds / baseline.CpuMicroseconds:N1} times the CPU per event");
            await host.StopAsync();
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed record Figures(double PerSecond, double CpuMicroseconds);

    private static async Task<Figures> BestAsync(int rounds, Func<Task<Figures>> round)
    {
        var best = await round();
        for (var i = 1; i < rounds; i++)
        {
            var next = await round();
            best = next.PerSecond > best.PerSecond ? next : best;
        }

        return best;
    }

    private static async Task<Figures> Measure(int events, Func<Task> work)
    {
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await work();
        clock.Stop();
        self.Refresh();
        return new Figures(events / clock.Elapsed.TotalSeconds, (self.TotalProcessorTime - cpu).TotalMicroseconds / events);
    }

    /// <summary>What the journal writes, without the journal: a row per event in a table shaped like its own, one transaction each.</summary>
    private static async Task RawInsertsAsync(string file, int tenants, int eventsPerTenant, Akka.Serialization.Serializer serializer, object sample)
    {
        var connectionString = $"Data Source={file}";
        SqliteJournalFile.Prepare(connectionString);
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using (var setup = connection.CreateCommand())
        {
            setup.CommandText =
                "PRAGMA synchronous = NORMAL;" +
                "CREATE TABLE IF NOT EXISTS journal (ordering INTEGER PRIMARY KEY AUTOINCREMENT, created INTEGER NOT NULL, " +
                "persistence_id TEXT NOT NULL, sequence_number INTEGER NOT NULL, is_deleted INTEGER NOT NULL, manifest TEXT, " +
                "payload BLOB NOT NULL, identifier INTEGER, writer_uuid TEXT, UNIQUE (persistence_id, sequence_number));" +
                "DELETE FROM journal;";
            await setup.ExecuteNonQueryAsync();
        }

        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO journal (created, persistence_id, sequence_number, is_deleted, manifest, payload, identifier, writer_uuid) " +
                             "VALUES ($created, $id, $seq, 0, $manifest, $payload, $serializer, $writer)";
        var (created, id, seq, manifest, payload, serializerId, writer) = (insert.Parameters.Add("$created", SqliteType.Integer), insert.Parameters.Add("$id", SqliteType.Text),
            insert.Parameters.Add("$seq", SqliteType.Integer), insert.Parameters.Add("$manifest", SqliteType.Text), insert.Parameters.Add("$payload", SqliteType.Blob),
            insert.Parameters.Add("$serializer", SqliteType.Integer), insert.Parameters.Add("$writer", SqliteType.Text));
        insert.Prepare();
        for (var n = 1; n <= eventsPerTenant; n++)
        {
            for (var t = 0; t < tenants; t++)
            {
                await using var transaction = connection.BeginTransaction();
                insert.Transaction = transaction;
                created.Value = DateTime.UtcNow.Ticks;
                id.Value = $"bench-tenant-{t}";
                seq.Value = n;
                manifest.Value = Akka.Serialization.Serialization.ManifestFor(serializer, sample);
                payload.Value = serializer.ToBinary(sample);
                serializerId.Value = serializer.Identifier;
                writer.Value = "bench";
                await insert.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
            }
        }
    }

    private sealed record Write(int Events);

    private sealed class Written
    {
        public static readonly Written Instance = new();
    }

    /// <summary>Writes its events one after the other, as a tenant writes a checkpoint per file it completes.</summary>
    private sealed class JournalWriter : ReceivePersistentActor
    {
        private int _left;
        private IActorRef _replyTo = ActorRefs.Nobody;

        public JournalWriter(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<ITenantEvent>(_ => { });
            Command<Write>(write =>
            {
                (_left, _replyTo) = (write.Events, Sender);
                Next();
            });
        }

        public override string PersistenceId { get; }

        private void Next()
        {
            if (_left-- <= 0)
            {
                _replyTo.Tell(Written.Instance);
                return;
            }

            var now = DateTimeOffset.UtcNow;
            Persist(new TenantEvents.FileCompleted("receipt", $"mimecast-batch-file-{LastSequenceNr:D4}.gz", now, now), _ => Next());
        }
    }
}
