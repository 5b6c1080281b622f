using Akka.Actor;

using MimecastActors.Actors;
using MimecastActors.IntegrationTests.Sekoia;
using MimecastActors.Simulator;

using static MimecastActors.Actors.ForwarderProtocol;

namespace MimecastActors.IntegrationTests.Actors;

/// <summary>The forwarder actor against the simulator's intake on 127.0.0.1.</summary>
public sealed class ForwarderTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly ForwarderSettings Fast = new(MaxInFlight: 2, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(400));

    private static ChunkOrigin Origin(int n) => new("receipt", "https://s3/f.json.gz", (n * 10) + 1, (n + 1) * 10, null);

    private IActorRef Forwarder(IntakeHarness h, ForwarderSettings? settings = null, string? key = null) =>
        ChildActorOf(MimecastActors.Actors.Forwarder.Props(
            key is null ? h.Client : h.ClientFor(h.Server.IntakeUrl, key), settings ?? Fast, "acme"));

    [Fact]
    public async Task Chunks_are_delivered_and_acknowledged_to_the_parent()
    {
        await using var h = await IntakeHarness.StartAsync(o => o.MaxRetryAttempts = 0);
        var forwarder = Forwarder(h);
        var chunks = h.Chunks(IntakeHarness.Events(30)).SelectMany(c => new[] { c.Slice(0, 10), c.Slice(10, 10), c.Slice(20, 10) }).ToList();

        for (var i = 0; i < chunks.Count; i++)
        {
            forwarder.Tell(new Offer(chunks[i], Origin(i)));
        }

        var messages = ReceiveN(6, TimeSpan.FromSeconds(10));
        messages.OfType<Accepted>().Should().HaveCount(3);
        messages.OfType<Delivered>().Select(d => d.Origin).Should().BeEquivalentTo([Origin(0), Origin(1), Origin(2)]);
        h.Record.Stats.Unique.Should().Be(30);
        h.Record.Stats.Duplicates.Should().Be(0);
    }

    [Fact]
    public async Task An_offer_beyond_the_window_waits_until_a_chunk_is_acknowledged()
    {
        await using var h = await IntakeHarness.StartAsync(o => o.MaxRetryAttempts = 0);
        h.Server.Intake.Latency = TimeSpan.FromMilliseconds(500);
        var forwarder = Forwarder(h);
        var chunk = h.Chunks(IntakeHarness.Events(3))[0];

        forwarder.Tell(new Offer(chunk.Slice(0, 1), Origin(0)));
        forwarder.Tell(new Offer(chunk.Slice(1, 1), Origin(1)));
        forwarder.Tell(new Offer(chunk.Slice(2, 1), Origin(2)));

        ExpectMsg<Accepted>().Origin.Should().Be(Origin(0));
        ExpectMsg<Accepted>().Origin.Should().Be(Origin(1));
        ExpectMsg<Delivered>(TimeSpan.FromSeconds(5)); // only now is there room for the third
        ExpectMsg<Accepted>().Origin.Should().Be(Origin(2));
    }

    [Fact]
    public async Task Offers_that_waited_for_a_place_share_one_request_and_are_acknowledged_each()
    {
        await using var h = await IntakeHarness.StartAsync(o => o.MaxRetryAttempts = 0);
        h.Server.Intake.Latency = TimeSpan.FromMilliseconds(300);
        var forwarder = Forwarder(h, settings: Fast with { MaxInFlight = 1 });
        var chunk = h.Chunk(IntakeHarness.Events(10));

        for (var i = 0; i < 5; i++)
        {
            forwarder.Tell(new Offer(chunk.Slice(i * 2, 2), Origin(i)));
        }

        var messages = ReceiveN(7, TimeSpan.FromSeconds(10));
        messages.OfType<Accepted>().Select(a => a.Origin).Should().Equal(Origin(0), Origin(1), Origin(2), Origin(3), Origin(4));
        messages.OfType<Delivered>().Should().Equal(new Delivered(Origin(0), 2, 1)); // it went alone: the window was free
        messages.OfType<DeliveredTogether>().Should().ContainSingle() // the four that waited: one message, one journal write
            .Which.Chunks.Should().Equal(Enumerable.Range(1, 4).Select(i => new Delivered(Origin(i), 2, 1)));
        h.Record.Stats.Should().Match<MimecastActors.Simulator.Intake.IntakeStats>(s => s.Requests == 2 && s.Unique == 10 && s.Duplicates == 0);
    }

    [Fact]
    public async Task Offers_share_a_request_only_within_the_limits_of_one()
    {
        await using var h = await IntakeHarness.StartAsync(o => (o.MaxRetryAttempts, o.MaxEventsPerChunk) = (0, 3));
        h.Server.Intake.Latency = TimeSpan.FromMilliseconds(300);
        var forwarder = Forwarder(h, settings: Fast with { MaxInFlight = 1 });
        var chunks = h.Chunks(IntakeHarness.Events(7)); // 3 + 3 + 1 events

        forwarder.Tell(new Offer(chunks[0].Slice(0, 1), Origin(0)));
        forwarder.Tell(new Offer(chunks[0].Slice(1, 2), Origin(1)));
        forwarder.Tell(new Offer(chunks[2], Origin(2)));
        forwarder.Tell(new Offer(chunks[1], Origin(3)));

        var messages = ReceiveN(7, TimeSpan.FromSeconds(10)); // 4 accepted, 3 requests acknowledged
        messages.OfType<Delivered>().Select(d => d.Origin).Should().Equal(Origin(0), Origin(3));
        messages.OfType<DeliveredTogether>().Should().ContainSingle().Which.Chunks.Select(d => d.Origin).Should().Equal(Origin(1), Origin(2));
        h.Record.Stats.Requests.Should().Be(3); // 1, then 2 + 1, then 3: never more than three events in one
        h.Record.Stats.Unique.Should().Be(7);
    }

    [Fact]
    public async Task An_intake_outage_is_waited_out_and_nothing_is_dropped()
    {
        await using var h = await IntakeHarness.StartAsync(o => o.MaxRetryAttempts = 0);
        h.Server.Intake.StartOutage(TimeSpan.FromSeconds(1.5), 503);
        var forwarder = Forwarder(h);

        forwarder.Tell(new Offer(h.Chunks(IntakeHarness.Events(5))[0], Origin(0)));

        ExpectMsg<Accepted>();
        ExpectMsg<Retrying>().Reason.Should().Contain("503");
        FishForMessage(m => m is Delivered, TimeSpan.FromSeconds(10)).Should().BeOfType<Delivered>().Which.Attempts.Should().BeGreaterThan(1);
        h.Record.Stats.Unique.Should().Be(5);
    }

    [Fact]
    public async Task A_429_with_retry_after_is_waited_for_at_least_as_long_as_asked()
    {
        await using var h = await IntakeHarness.StartAsync(o => o.MaxRetryAttempts = 0);
        h.Server.Intake.StartOutage(TimeSpan.FromSeconds(1), 429, retryAfter: TimeSpan.FromSeconds(1));
        var forwarder = Forwarder(h);

        forwarder.Tell(new Offer(h.Chunks(IntakeHarness.Events(2))[0], Origin(0)));

        ExpectMsg<Accepted>();
        ExpectMsg<Retrying>().Delay.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
        FishForMessage(m => m is Delivered, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_refused_intake_key_is_reported_to_the_parent_and_frees_the_window()
    {
        await using var h = await IntakeHarness.StartAsync(o => o.MaxRetryAttempts = 0);
        var forwarder = Forwarder(h, key: "not-a-known-key", settings: Fast with { MaxInFlight = 1 });
        using var builder = h.ClientFor(h.Server.IntakeUrl, "not-a-known-key").CreateChunkBuilder();
        builder.TryAdd(IntakeHarness.Event("a"));
        builder.TryAdd(IntakeHarness.Event("b"));
        var chunk = builder.Seal();

        forwarder.Tell(new Offer(chunk.Slice(0, 1), Origin(0)));
        forwarder.Tell(new Offer(chunk.Slice(1, 1), Origin(1)));

        ExpectMsg<Accepted>();
        var refused = ExpectMsg<IntakeRefused>(TimeSpan.FromSeconds(5));
        refused.Reason.Should().Contain("401").And.NotContain("not-a-known-key");
        ExpectMsg<Accepted>().Origin.Should().Be(Origin(1));
    }

    [Fact]
    public async Task An_event_too_large_for_the_intake_is_set_aside_and_the_rest_delivered()
    {
        await using var h = await IntakeHarness.StartAsync(o => o.MaxRetryAttempts = 0);
        var events = IntakeHarness.Events(4);
        events.Insert(2, IntakeHarness.Event("big", pad: 200_000));
        var chunk = h.Chunks(events).Single();
        h.Server.Intake.MaxBodyBytes = 100_000;
        var forwarder = Forwarder(h);

        forwarder.Tell(new Offer(chunk, Origin(0)));

        ExpectMsg<Accepted>();
        var aside = FishForMessage<EventSetAside>(_ => true, TimeSpan.FromSeconds(10));
        aside.IndexInChunk.Should().Be(2);
        System.Text.Encoding.UTF8.GetString(aside.Event).Should().Contain("\"big\"");
        FishForMessage<Delivered>(_ => true, TimeSpan.FromSeconds(10)).Events.Should().Be(5);
        h.Record.Identities.Should().BeEquivalentTo("e0", "e1", "e2", "e3");
    }

    [Fact]
    public async Task An_event_too_large_in_a_shared_request_is_set_aside_for_its_own_chunk()
    {
        await using var h = await IntakeHarness.StartAsync(o => o.MaxRetryAttempts = 0);
        var events = IntakeHarness.Events(5);
        events.Insert(3, IntakeHarness.Event("big", pad: 200_000));
        var chunk = h.Chunk(events);
        h.Server.Intake.MaxBodyBytes = 100_000;
        h.Server.Intake.Latency = TimeSpan.FromMilliseconds(300);
        var forwarder = Forwarder(h, settings: Fast with { MaxInFlight = 1 });

        forwarder.Tell(new Offer(chunk.Slice(0, 1), Origin(0)));
        forwarder.Tell(new Offer(chunk.Slice(1, 2), Origin(1)));
        forwarder.Tell(new Offer(chunk.Slice(3, 3), Origin(2))); // big, e3, e4: shares a request with the one before

        var messages = ReceiveN(7, TimeSpan.FromSeconds(10)); // 3 accepted, 1 set aside, 3 delivered
        var aside = messages.OfType<EventSetAside>().Should().ContainSingle().Subject;
        aside.Origin.Should().Be(Origin(2));
        aside.IndexInChunk.Should().Be(0);
        messages.OfType<Delivered>().Select(d => (d.Origin, d.Events)).Should().Equal((Origin(0), 1), (Origin(1), 2), (Origin(2), 3));
        h.Record.Identities.Should().BeEquivalentTo("e0", "e1", "e2", "e3", "e4");
    }
}
