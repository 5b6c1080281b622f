using Akka.Actor;
using Akka.Configuration;

using Microsoft.Extensions.DependencyInjection;

using MimecastActors.Actors;
using MimecastActors.Domain;
using MimecastActors.Mimecast;
using MimecastActors.Sekoia;
using MimecastActors.Simulator;
using MimecastActors.Simulator.Mimecast;

namespace MimecastActors.IntegrationTests.Actors;

/// <summary>The tenant puller end to end against the simulator, on the in-memory journal (SQLite and PostgreSQL come with the host).</summary>
public sealed class TenantPullerTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private const string Tenant = "acme";
    private const string IntakeKey = "acme-intake";

    private static readonly Config Journal = ConfigurationFactory.ParseString("""
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.keeping"
        akka.persistence.snapshot-store.keeping.class = "MimecastActors.IntegrationTests.Actors.KeepingSnapshotStore, MimecastActors.IntegrationTests"
        """).WithFallback(TenantSerializer.Hocon);

    private readonly string _rejectedFolder = Path.Combine(Path.GetTempPath(), $"rejected-{Guid.NewGuid():N}");
    private static readonly SecretBox Secrets = SecretBox.FromBase64(SecretBox.NewKey()).Box!;

    private ServiceProvider _http = null!;
    private TenantConfiguration _configuration = null!;
    private SimulatorServer _sim = null!;

    public TenantPullerTests()
        : base(Journal)
    {
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _sim.DisposeAsync();
        await _http.DisposeAsync();
        if (Directory.Exists(_rejectedFolder))
        {
            Directory.Delete(_rejectedFolder, recursive: true);
        }
    }

    [Fact]
    public async Task A_backlog_of_three_types_arrives_complete_once_and_inside_the_budget()
    {
        var services = await Start(new ClientScenario
        {
            ClientId = Tenant,
            ClientSecret = "s",
            EventTypes = ["receipt", "process", "url protect"],
            BacklogFiles = 12,
            EventsPerFile = 500,
        });

        Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme");

        await AwaitDelivered();
        var stats = _sim.Intake.Record(IntakeKey).Stats;
        stats.Duplicates.Should().Be(0);
        stats.Unique.Should().Be(3 * 12 * 500);
        _sim.Mimecast.Client(Tenant).Stats.MaxCallsInAnyWindow.Should().BeLessThanOrEqualTo(50);
    }

    [Fact]
    public async Task A_tenant_added_through_the_registry_is_pulled_with_its_sealed_secrets_and_stops_when_removed()
    {
        var services = await Start(new ClientScenario { ClientId = Tenant, ClientSecret = "registry-secret", EventTypes = ["receipt"], BacklogFiles = 3, EventsPerFile = 100 }, configured: false);
        var region = CreateTestProbe();
        var registry = Sys.ActorOf(TenantRegistry.Props(region, TimeSpan.FromMinutes(1), TimeProvider.System), "registry");
        Akka.Hosting.ActorRegistry.For(Sys).Register<TenantRegistryProxy>(registry);

        (await registry.Ask<TenantRegistryProtocol.Done>(new TenantRegistryProtocol.Register(_configuration.Seal(Secrets), IsNew: true))).TenantId.Should().Be(Tenant);
        region.ExpectMsg<TenantProtocol.Start>().TenantId.Should().Be(Tenant);
        var puller = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme");

        await AwaitDelivered(puller: puller);
        _sim.Intake.Record(IntakeKey).Stats.Duplicates.Should().Be(0);

        (await registry.Ask<object>(new TenantRegistryProtocol.Unregister(Tenant))).Should().BeOfType<TenantRegistryProtocol.Done>();
        region.FishForMessage(m => m is TenantProtocol.ConfigurationChanged);
        (await registry.Ask<TenantRegistryProtocol.Found>(new TenantRegistryProtocol.FindTenant(Tenant))).Tenant.Should().BeNull();
    }

    [Fact]
    public async Task A_start_that_reaches_a_retiring_tenant_goes_back_to_the_shard_to_start_the_next_incarnation()
    {
        var services = await Start(new ClientScenario { ClientId = Tenant, ClientSecret = "s", EventTypes = ["receipt"], BacklogFiles = 1, EventsPerFile = 10 }, configured: false);
        var registry = Sys.ActorOf(TenantRegistry.Props(CreateTestProbe(), TimeSpan.FromMinutes(1), TimeProvider.System), "registry");
        Akka.Hosting.ActorRegistry.For(Sys).Register<TenantRegistryProxy>(registry);
        var shard = CreateTestProbe();

        var puller = shard.ChildActorOf(TenantPuller.Props(Tenant, services), "acme");
        shard.ExpectMsg<Akka.Cluster.Sharding.Passivate>(TimeSpan.FromSeconds(5)); // known nowhere: it retires

        // Added again before the shard stopped it: the shard must get the Start back, or the tenant stays stopped.
        puller.Tell(new TenantProtocol.Start(Tenant), TestActor);
        shard.ExpectMsg<TenantProtocol.Start>(TimeSpan.FromSeconds(3)).TenantId.Should().Be(Tenant);
    }

    [Fact]
    public async Task A_pause_cuts_off_the_intake_requests_in_flight_and_a_resume_delivers_everything_once()
    {
        var services = await Start(new ClientScenario { ClientId = Tenant, ClientSecret = "s", EventTypes = ["receipt"], BacklogFiles = 1, EventsPerFile = 50 });
        _sim.Intake.Latency = TimeSpan.FromSeconds(3);
        var puller = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme");
        await AwaitConditionAsync(() => Task.FromResult(_sim.Intake.RequestsArrived >= 1), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));

        await puller.Ask<TenantProtocol.Status>(new TenantProtocol.PauseTenant(Tenant, "maintenance"), TimeSpan.FromSeconds(3));
        await Task.Delay(TimeSpan.FromSeconds(4)); // past the intake's answer to the request sent before the pause

        _sim.Intake.Record(IntakeKey).Stats.Requests.Should().Be(0, "the request in flight at the pause was cut off, not left to finish");
        _sim.Intake.RequestsArrived.Should().Be(1, "nothing is sent while the tenant is paused");

        _sim.Intake.Latency = TimeSpan.Zero;
        await puller.Ask<TenantProtocol.Status>(new TenantProtocol.ResumeTenant(Tenant), TimeSpan.FromSeconds(3));
        await AwaitDelivered(puller: puller);
        _sim.Intake.Record(IntakeKey).Stats.Duplicates.Should().Be(0);
    }

    [Fact]
    public async Task A_pause_that_reaches_a_tenant_waiting_for_its_new_configuration_is_not_lifted_by_that_configuration()
    {
        var services = await Start(new ClientScenario { ClientId = Tenant, ClientSecret = "s", EventTypes = ["receipt"], BacklogFiles = 1, EventsPerFile = 10 }, configured: false);
        var registry = CreateTestProbe();
        Akka.Hosting.ActorRegistry.For(Sys).Register<TenantRegistryProxy>(registry);

        var puller = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme");
        registry.ExpectMsg<TenantRegistryProtocol.FindTenant>(TimeSpan.FromSeconds(5));
        var lookup = registry.LastSender;
        (await puller.Ask<TenantProtocol.Status>(new TenantProtocol.PauseTenant(Tenant, "mailbox migration"), TimeSpan.FromSeconds(3)))
            .PausedBecause.Should().Be("paused by an operator: mailbox migration");

        lookup.Tell(new TenantRegistryProtocol.Found(Tenant, _configuration.Seal(Secrets)));

        await AwaitAssertAsync(async () => (await puller.Ask<TenantProtocol.Status>(new TenantProtocol.GetStatus(Tenant))).Configured.Should().BeTrue(), TimeSpan.FromSeconds(5));
        (await puller.Ask<TenantProtocol.Status>(new TenantProtocol.GetStatus(Tenant))).PausedBecause.Should().Be("paused by an operator: mailbox migration");
        _sim.Mimecast.Client(Tenant).Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task A_tenant_whose_notice_of_removal_or_change_was_lost_finds_out_from_the_registry()
    {
        var services = await Start(new ClientScenario { ClientId = Tenant, ClientSecret = "s", EventTypes = ["receipt"], BacklogFiles = 1, EventsPerFile = 10 }, configured: false);
        services = services with { Settings = services.Settings with { ConfirmConfigurationEvery = TimeSpan.FromMilliseconds(300) } };
        var registry = CreateTestProbe();
        Akka.Hosting.ActorRegistry.For(Sys).Register<TenantRegistryProxy>(registry);
        var registered = _configuration.Seal(Secrets);

        async Task Run(string name, TenantRegistryProtocol.Found answerLater)
        {
            var shard = CreateTestProbe();
            var puller = shard.ChildActorOf(TenantPuller.Props(Tenant, services), name);
            registry.ExpectMsg<TenantRegistryProtocol.FindTenant>(TimeSpan.FromSeconds(5));
            registry.Reply(new TenantRegistryProtocol.Found(Tenant, registered));
            await AwaitDelivered();

            registry.ExpectMsg<TenantRegistryProtocol.FindTenant>(TimeSpan.FromSeconds(5)); // the configuration still stands
            registry.Reply(new TenantRegistryProtocol.Found(Tenant, registered));
            shard.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
            registry.ExpectMsg<TenantRegistryProtocol.FindTenant>(TimeSpan.FromSeconds(5));
            registry.Reply(answerLater);
            shard.ExpectMsg<Akka.Cluster.Sharding.Passivate>(TimeSpan.FromSeconds(3));

            Watch(puller);
            Sys.Stop(puller); // as the shard does once passivated
            ExpectTerminated(puller);
            registry.ReceiveWhile(TimeSpan.FromMilliseconds(400), m => m); // questions asked on the way out
        }

        await Run("acme-1", new TenantRegistryProtocol.Found(Tenant, null));
        await Run("acme-2", new TenantRegistryProtocol.Found(Tenant, registered with { Settings = registered.Settings with { PageSize = 50 } }));
    }

    [Fact]
    public async Task A_node_with_another_key_does_not_pull_and_says_why()
    {
        var services = await Start(new ClientScenario { ClientId = Tenant, ClientSecret = "registry-secret", EventTypes = ["receipt"], BacklogFiles = 1, EventsPerFile = 10 },
            configured: false, secrets: SecretBox.FromBase64(SecretBox.NewKey()).Box!);
        var registry = Sys.ActorOf(TenantRegistry.Props(CreateTestProbe(), TimeSpan.FromMinutes(1), TimeProvider.System), "registry");
        Akka.Hosting.ActorRegistry.For(Sys).Register<TenantRegistryProxy>(registry);
        await registry.Ask<TenantRegistryProtocol.Done>(new TenantRegistryProtocol.Register(_configuration.Seal(Secrets), IsNew: true));

        var puller = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme");

        await AwaitAssertAsync(async () => (await puller.Ask<TenantProtocol.Status>(new TenantProtocol.GetStatus(Tenant))).LastError
            .Should().Be("cannot start: the client secret of tenant `acme` was sealed with another Secrets.Key than this node's"), TimeSpan.FromSeconds(10));
        _sim.Mimecast.Client(Tenant).Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task Quirks_and_bad_lines_still_give_a_complete_duplicate_free_delivery_with_rejected_lines_recorded()
    {
        var scenario = new ClientScenario
        {
            ClientId = Tenant,
            ClientSecret = "s",
            EventTypes = ["receipt", "journal"],
            BacklogFiles = 8,
            EventsPerFile = 200,
            TokenTtl = TimeSpan.FromSeconds(3),
            Files =
            [
                new BatchFileShape { Type = "receipt", Index = 1, InvalidJsonLine = 10, OversizeLine = 20 },
                new BatchFileShape { Type = "journal", Index = 2, TruncateAtLine = 50 },
            ],
        };
        scenario.Quirks.DuplicateUrls = true;
        scenario.Quirks.EmptyPageProbability = 0.3;
        scenario.Quirks.ServerErrorProbability = 0.2;
        scenario.Quirks.BlobServerErrorProbability = 0.1;
        var services = await Start(scenario, pageSize: 3);

        var puller = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme");

        await AwaitDelivered(TimeSpan.FromSeconds(60), puller);
        _sim.Intake.Record(IntakeKey).Stats.Duplicates.Should().Be(0);
        var rejected = await File.ReadAllLinesAsync(Path.Combine(_rejectedFolder, $"{Tenant}.rejected.ndjson"));
        rejected.Should().Contain(l => l.Contains("\"line\":11", StringComparison.Ordinal) && l.Contains("InvalidJson", StringComparison.Ordinal));
        rejected.Should().Contain(l => l.Contains("\"line\":21", StringComparison.Ordinal) && l.Contains("Oversize", StringComparison.Ordinal));
        rejected.Should().Contain(l => l.Contains("\"line\":51", StringComparison.Ordinal) && l.Contains("Truncated", StringComparison.Ordinal));

        // The tenant's status names the lines it set aside (for `tenant show`), without their content.
        var status = await puller.Ask<TenantProtocol.Status>(new TenantProtocol.GetStatus(Tenant));
        status.LinesRejected.Should().Be(rejected.Length);
        status.RecentlyRejected!.Select(r => (r.Stream, r.Line, r.Reason)).Should().BeEquivalentTo(
            [("receipt", 11L, "InvalidJson"), ("receipt", 21L, "Oversize"), ("journal", 51L, "Truncated")]);
    }

    [Fact]
    public async Task A_puller_stopped_mid_drain_resumes_from_its_checkpoint_with_few_duplicates()
    {
        var services = await Start(new ClientScenario
        {
            ClientId = Tenant,
            ClientSecret = "s",
            EventTypes = ["receipt"],
            BacklogFiles = 40,
            EventsPerFile = 1_000,
        });
        _sim.Intake.Latency = TimeSpan.FromMilliseconds(20);

        var first = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme-1");
        await AwaitCondition(async () => _sim.Intake.Record(IntakeKey).Stats.Unique >= 10_000, TimeSpan.FromSeconds(30));
        Watch(first);
        first.Tell(PoisonPill.Instance); // no goodbye: what was in flight is lost with it
        ExpectTerminated(first);

        Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme-2");

        await AwaitDelivered();
        // In flight at most: the forwarder's window of chunks plus the chunk being read.
        _sim.Intake.Record(IntakeKey).Stats.Duplicates.Should().BeLessThanOrEqualTo(3 * 1_000);
        _sim.Mimecast.Client(Tenant).Stats.MaxCallsInAnyWindow.Should().BeLessThanOrEqualTo(50);
    }

    [Fact]
    public async Task A_restarted_puller_recovers_from_its_latest_snapshot_and_the_events_after_it()
    {
        var services = await Start(new ClientScenario { ClientId = Tenant, ClientSecret = "s", EventTypes = ["receipt", "av"], BacklogFiles = 9, EventsPerFile = 50 }, pageSize: 2);
        services = services with { Settings = services.Settings with { SnapshotEvery = 7 } };

        var first = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme-1");
        await AwaitDelivered();
        await Task.Delay(500); // the last page's completion is journaled after its last acknowledgement
        var before = await first.Ask<TenantProtocol.Status>(new TenantProtocol.GetStatus(Tenant), TimeSpan.FromSeconds(3));
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        var persistence = Akka.Persistence.Persistence.Instance.Apply(Sys);
        var snapshot = await persistence.SnapshotStoreFor(null).Ask<Akka.Persistence.LoadSnapshotResult>(
            new Akka.Persistence.LoadSnapshot($"tenant-{Tenant}", Akka.Persistence.SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(3));
        snapshot.Snapshot.Should().NotBeNull("a snapshot is taken every 7 events");
        var replayed = CreateTestProbe();
        persistence.JournalFor(null).Tell(new Akka.Persistence.ReplayMessages(0, long.MaxValue, long.MaxValue, $"tenant-{Tenant}", replayed), replayed);
        var events = 0;
        while (replayed.ExpectMsg<object>(TimeSpan.FromSeconds(3)) is Akka.Persistence.ReplayedMessage)
        {
            events++;
        }

        events.Should().BeLessThan((int)snapshot.Snapshot!.Metadata.SequenceNr, "events older than the snapshot are deleted");

        var second = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme-2");
        var after = await second.Ask<TenantProtocol.Status>(new TenantProtocol.GetStatus(Tenant), TimeSpan.FromSeconds(3));
        after.Streams.Select(s => (s.Stream, s.Cursor, s.CaughtUp, s.NewestEventAt))
            .Should().Equal(before.Streams.Select(s => (s.Stream, s.Cursor, s.CaughtUp, s.NewestEventAt)));
        _sim.Intake.Record(IntakeKey).Stats.Duplicates.Should().Be(0);
    }

    [Fact]
    public async Task A_snapshot_holds_the_state_as_of_its_own_event_not_of_events_recorded_after_it_in_the_same_command()
    {
        // Starting records the configuration and then, in the same command, the first round's calls: a snapshot at the
        // configuration that already counted those calls would have them counted twice once recovery replays them.
        var services = await Start(new ClientScenario { ClientId = Tenant, ClientSecret = "s", EventTypes = ["receipt"], BacklogFiles = 1, EventsPerFile = 10 });
        services = services with { Settings = services.Settings with { SnapshotEvery = 1 } };

        var puller = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme");
        await AwaitDelivered(puller: puller);

        var snapshots = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        async Task<TenantState> SnapshotAt(long sequenceNr)
        {
            var loaded = await snapshots.Ask<Akka.Persistence.LoadSnapshotResult>(
                new Akka.Persistence.LoadSnapshot($"tenant-{Tenant}", new Akka.Persistence.SnapshotSelectionCriteria(sequenceNr), sequenceNr), TimeSpan.FromSeconds(3));
            loaded.Snapshot!.Metadata.SequenceNr.Should().Be(sequenceNr);
            return (TenantState)loaded.Snapshot.Snapshot;
        }

        var configured = await SnapshotAt(1);
        configured.Settings.Should().NotBeNull();
        configured.Budget.Spent.Should().BeEmpty("the calls were recorded after the configuration");
        (await SnapshotAt(2)).Budget.Spent.Should().HaveCount(1, "one stream, one listing");
    }

    [Fact]
    public async Task A_page_of_one_chunk_files_is_journaled_as_one_event_per_file()
    {
        var services = await Start(new ClientScenario { ClientId = Tenant, ClientSecret = "s", EventTypes = ["receipt"], BacklogFiles = 6, EventsPerFile = 40 }, pageSize: 4);

        var puller = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme");
        await AwaitDelivered(puller: puller);
        await Task.Delay(500); // the last page's completion is journaled after its last acknowledgement

        var journaled = new List<ITenantEvent>();
        var replayed = CreateTestProbe();
        Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null)
            .Tell(new Akka.Persistence.ReplayMessages(0, long.MaxValue, long.MaxValue, $"tenant-{Tenant}", replayed), replayed);
        while (replayed.ExpectMsg<object>(TimeSpan.FromSeconds(3)) is Akka.Persistence.ReplayedMessage message)
        {
            journaled.Add((ITenantEvent)message.Persistent.Payload);
        }

        // Pages of 4 and 2 files: a page's last file completes inside the page's completion.
        journaled.OfType<TenantEvents.FileProgressed>().Should().BeEmpty("each file's only chunk completes it, and the completion says so alone");
        journaled.OfType<TenantEvents.FileCompleted>().Select(f => f.File).Should().OnlyHaveUniqueItems().And.HaveCount(3 + 1);
        journaled.OfType<TenantEvents.FileCompleted>().Should().OnlyContain(f => f.NewestEventAt != null, "the completion carries the newest event the progress carried");
        journaled.OfType<TenantEvents.PageCompleted>().Where(p => p.NewestEventAt != null).Should().HaveCount(2, "each page's last file completed with it");
        _sim.Intake.Record(IntakeKey).Stats.Duplicates.Should().Be(0);
    }

    [Fact]
    public async Task A_first_call_the_api_counts_late_stays_in_the_budget_from_its_answer()
    {
        // The API counts the first round's three calls 2 s after they were journaled (the guard covers 0.4 s). Counted
        // from when they were journaled, they leave our window while the API still counts them: the round that then
        // finds room is over the API's budget.
        var budget = new RateLimitPolicy(6, TimeSpan.FromSeconds(4));
        var services = await Start(
            new ClientScenario
            {
                ClientId = Tenant,
                ClientSecret = "s",
                EventTypes = ["receipt", "process", "journal"],
                BacklogFiles = 4,
                EventsPerFile = 10,
                RateLimit = new RateLimitScenario { Calls = budget.Calls, Window = budget.Window },
                Quirks = new MimecastQuirks { FirstListingDelay = TimeSpan.FromSeconds(2) },
            },
            pageSize: 1,
            rateLimit: budget);

        var puller = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme");

        await AwaitDelivered(puller: puller);
        var stats = _sim.Mimecast.Client(Tenant).Stats;
        stats.SiemCalls.Should().BeGreaterThan(budget.Calls, "the test needs calls beyond the first window");
        stats.TooManyRequests.Should().Be(0);
        _sim.Intake.Record(IntakeKey).Stats.Duplicates.Should().Be(0);
    }

    [Fact]
    public async Task A_file_the_source_refuses_on_every_listing_is_set_aside_and_the_stream_goes_on()
    {
        var services = await Start(
            new ClientScenario
            {
                ClientId = Tenant,
                ClientSecret = "s",
                EventTypes = ["receipt"],
                BacklogFiles = 4,
                EventsPerFile = 30,
                Files = [new BatchFileShape { Type = "receipt", Index = 1, Missing = true }],
            },
            pageSize: 2);

        var puller = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme");

        await AwaitDelivered(TimeSpan.FromSeconds(30), puller, lostAtSource: id => id.StartsWith($"{Tenant}:receipt:1:", StringComparison.Ordinal));
        _sim.Intake.Record(IntakeKey).Stats.Duplicates.Should().Be(0);
        var status = await puller.Ask<TenantProtocol.Status>(new TenantProtocol.GetStatus(Tenant), TimeSpan.FromSeconds(3));
        status.PausedBecause.Should().BeNull();
        status.RecentlyRejected.Should().ContainSingle().Which.Should().Match<TenantProtocol.RejectedLine>(r =>
            r.Reason == "Unreadable" && r.Line == 1 && r.Detail.Contains("404", StringComparison.Ordinal));
        var rejected = await File.ReadAllLinesAsync(Path.Combine(_rejectedFolder, $"{Tenant}.rejected.ndjson"));
        rejected.Should().ContainSingle().Which.Should().Contain("Unreadable");
        _sim.Mimecast.Client(Tenant).Stats.SiemCalls.Should().BeLessThan(10, "the page is listed again only a few times for the refused file");
    }

    [Fact]
    public async Task Events_the_intake_refuses_as_too_large_are_set_aside_not_counted_as_forwarded_and_the_stream_goes_on()
    {
        var services = await Start(new ClientScenario { ClientId = Tenant, ClientSecret = "s", EventTypes = ["receipt"], BacklogFiles = 2, EventsPerFile = 3 });
        _sim.Intake.MaxBodyBytes = 200; // less than any one event
        var puller = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme");

        await AwaitCondition(
            async () => (await puller.Ask<TenantProtocol.Status>(new TenantProtocol.GetStatus(Tenant), TimeSpan.FromSeconds(3))).Streams is [{ CaughtUp: true }],
            TimeSpan.FromSeconds(30));

        var status = await puller.Ask<TenantProtocol.Status>(new TenantProtocol.GetStatus(Tenant), TimeSpan.FromSeconds(3));
        status.LinesRejected.Should().Be(6);
        status.RecentlyRejected.Should().OnlyContain(r => r.Reason == "IntakeTooLarge");
        status.EventsDelivered.Should().Be(0, "none reached the intake");
        _sim.Intake.Record(IntakeKey).Stats.Unique.Should().Be(0);
    }

    [Fact]
    public async Task A_page_listed_while_the_tenant_was_paused_is_listed_again_after_the_resume()
    {
        var services = await Start(new ClientScenario
        {
            ClientId = Tenant,
            ClientSecret = "s",
            EventTypes = ["receipt", "process"],
            BacklogFiles = 3,
            EventsPerFile = 20,
            Quirks = new MimecastQuirks { FirstListingDelay = TimeSpan.FromSeconds(2) },
        });
        var puller = Sys.ActorOf(TenantPuller.Props(Tenant, services), "acme");
        var budget = RateLimitPolicy.Default.Calls;

        // The first round's calls are journaled before they go: once they show, they are in flight for 2 s.
        await AwaitCondition(async () => (await puller.Ask<TenantProtocol.Status>(new TenantProtocol.GetStatus(Tenant), TimeSpan.FromSeconds(3))).CallsLeft < budget, TimeSpan.FromSeconds(10));
        await puller.Ask<TenantProtocol.Status>(new TenantProtocol.PauseTenant(Tenant, "test"), TimeSpan.FromSeconds(3));
        await AwaitCondition(() => Task.FromResult(_sim.Mimecast.Client(Tenant).Stats.SiemCalls >= 2), TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromMilliseconds(300)); // the answers reach the paused puller
        _sim.Intake.Record(IntakeKey).Stats.Unique.Should().Be(0, "a paused tenant reads nothing");

        await puller.Ask<TenantProtocol.Status>(new TenantProtocol.ResumeTenant(Tenant), TimeSpan.FromSeconds(3));

        await AwaitDelivered(within: TimeSpan.FromSeconds(20), puller: puller);
        _sim.Intake.Record(IntakeKey).Stats.Duplicates.Should().Be(0);
    }

    /// <param name="configured">False: the tenant is not in the node's configuration (it comes from the registry).</param>
    private async Task<PullerServices> Start(ClientScenario client, int pageSize = 100, bool configured = true, SecretBox? secrets = null, RateLimitPolicy? rateLimit = null)
    {
        _sim = await SimulatorServer.StartAsync(new Scenario { Clients = [client], IntakeKeys = [IntakeKey] });
        _http = new ServiceCollection()
            .AddLogging()
            .AddMimecastApi(o => o.RetryDelay = TimeSpan.FromMilliseconds(10))
            .AddSekoiaIntake(o => (o.RetryDelay, o.MaxRetryDelay) = (TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50)))
            .BuildServiceProvider();
        var settings = new TenantSettings(Tenant, _sim.MimecastUrl, Tenant, TenantSettings.Fingerprint(client.ClientSecret),
            StreamDefinition.Plan(client.EventTypes, grouped: false), pageSize, TimeSpan.FromMinutes(8), rateLimit ?? RateLimitPolicy.Default,
            _sim.IntakeUrl, TenantSettings.Fingerprint(IntakeKey));
        _configuration = new TenantConfiguration(settings, new MimecastCredentials(_sim.MimecastUrl, Tenant, client.ClientSecret), IntakeKey);
        var directory = new StaticTenantDirectory(configured ? [_configuration] : []);
        return new PullerServices(
            directory, secrets ?? Secrets, _http.GetRequiredService<MimecastClientFactory>(), _http.GetRequiredService<BatchFileReader>(),
            _http.GetRequiredService<SekoiaIntakeClientFactory>(), new RejectedLineFiles(_rejectedFolder), new SemaphoreSlim(4), TimeProvider.System,
            PullerSettings.Default with
            {
                MinBackoff = TimeSpan.FromMilliseconds(50),
                MaxBackoff = TimeSpan.FromMilliseconds(500),
                Forwarder = new ForwarderSettings(2, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(500)),
            });
    }

    /// <param name="lostAtSource">Identities no puller can deliver (a file the source no longer holds).</param>
    private async Task AwaitDelivered(TimeSpan? within = null, IActorRef? puller = null, Func<string, bool>? lostAtSource = null)
    {
        var expected = _sim.Mimecast.PublishedIdentities(Tenant);
        if (lostAtSource is not null)
        {
            expected = expected.Where(id => !lostAtSource(id)).ToHashSet(StringComparer.Ordinal);
        }

        try
        {
            await AwaitConditionAsync(
                () => Task.FromResult(_sim.Intake.Record(IntakeKey).Identities.IsSupersetOf(expected)), within ?? TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        }
        catch (Exception) when (puller is not null)
        {
            var status = await puller.Ask<TenantProtocol.Status>(new TenantProtocol.GetStatus(Tenant), TimeSpan.FromSeconds(3));
            var missing = expected.Except(_sim.Intake.Record(IntakeKey).Identities).Take(5);
            throw new Xunit.Sdk.XunitException(
                $"not delivered: {System.Text.Json.JsonSerializer.Serialize(status)}; missing e.g. {string.Join(", ", missing)}; intake {_sim.Intake.Record(IntakeKey).Stats}");
        }

        // Set arithmetic, not BeEquivalentTo: that one compares collections pairwise and takes minutes on 18,000 ids.
        _sim.Intake.Record(IntakeKey).Identities.Except(expected).Should().BeEmpty("only published events reach the intake");
    }

    private async Task AwaitCondition(Func<Task<bool>> condition, TimeSpan within) =>
        await AwaitConditionAsync(condition, within, TimeSpan.FromMilliseconds(100));
}

/// <summary>The in-memory snapshot store, except that it keeps every snapshot, so that a test can read the one taken at any event.</summary>
public sealed class KeepingSnapshotStore : Akka.Persistence.Snapshot.MemorySnapshotStore
{
    protected override Task DeleteAsync(Akka.Persistence.SnapshotMetadata metadata, CancellationToken cancellationToken) => Task.CompletedTask;

    protected override Task DeleteAsync(string persistenceId, Akka.Persistence.SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) => Task.CompletedTask;
}
