using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

using MimecastActors.Sekoia;
using MimecastActors.Simulator;
using MimecastActors.Simulator.Intake;

namespace MimecastActors.IntegrationTests.Sekoia;

public sealed class IntakeClientTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Chunks_cut_to_the_limits_are_acknowledged_and_every_event_is_recorded_once(bool gzip)
    {
        const int limit = 20_000;
        await using var intake = await IntakeHarness.StartAsync(o =>
        {
            o.Compress = gzip;
            o.MaxBodyBytes = limit;
            o.MaxEventsPerChunk = 64;
        });
        intake.Server.Intake.MaxBodyBytes = limit; // one byte over would be refused with 413 and show as extra attempts
        var events = IntakeHarness.Events(1000, pad: 100);

        var chunks = intake.Chunks(events);
        var outcomes = new List<IntakeOutcome>();
        foreach (var chunk in chunks)
        {
            chunk.Body.Length.Should().BeLessThanOrEqualTo(limit);
            chunk.EventCount.Should().BeLessThanOrEqualTo(64);
            outcomes.Add(await intake.Client.SendAsync(chunk));
        }

        chunks.Should().HaveCountGreaterThan(1000 / 64);
        outcomes.Should().Equal(chunks.Select(c => new IntakeOutcome.Acknowledged(c.EventCount, Attempts: 1)));
        intake.Record.Stats.Should().Be(new IntakeStats(Requests: chunks.Count, Received: 1000, Unique: 1000, Duplicates: 0, Unidentified: 0, Oversize: 0));
        intake.Record.Identities.Should().BeEquivalentTo(Enumerable.Range(0, 1000).Select(i => $"e{i}"));
    }

    [Fact]
    public async Task A_503_outage_shorter_than_the_retry_budget_is_ridden_out()
    {
        await using var intake = await IntakeHarness.StartAsync(o =>
        {
            o.MaxRetryAttempts = 30;
            o.RetryDelay = TimeSpan.FromMilliseconds(20);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(100);
        });
        var chunk = intake.Chunk(IntakeHarness.Events(10));
        intake.Server.Intake.StartOutage(TimeSpan.FromMilliseconds(300), 503);

        var outcome = await intake.Client.SendAsync(chunk);

        outcome.Should().BeOfType<IntakeOutcome.Acknowledged>().Which.AcknowledgedCount.Should().Be(10);
        outcome.Attempts.Should().BeGreaterThan(1);
        intake.Record.Stats.Should().Be(new IntakeStats(Requests: 1, Received: 10, Unique: 10, Duplicates: 0, Unidentified: 0, Oversize: 0));
    }

    [Fact]
    public async Task Requests_beyond_the_limit_wait_for_a_place_and_a_request_waiting_out_its_backoff_holds_none()
    {
        await using var intake = await IntakeHarness.StartAsync(o =>
        {
            o.MaxConcurrentRequests = 1;
            o.MaxRetryAttempts = 30;
            o.RetryDelay = TimeSpan.FromMilliseconds(400);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(400);
        });
        await using var failing = await SimulatorServer.StartAsync(new Scenario { IntakeKeys = [IntakeHarness.Key] });
        failing.Intake.StartOutage(TimeSpan.FromSeconds(3), 503);
        var retrying = intake.ClientFor(failing.IntakeUrl, IntakeHarness.Key).SendAsync(intake.Chunk(IntakeHarness.Events(3)));
        await Task.Delay(TimeSpan.FromMilliseconds(200)); // refused at once, it now waits out its backoff

        var watch = Stopwatch.StartNew();
        var meanwhile = await intake.Client.SendAsync(intake.Chunk(IntakeHarness.Events(3)));

        meanwhile.Should().BeOfType<IntakeOutcome.Acknowledged>();
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1.5), "a request between its attempts holds no place");
        retrying.IsCompleted.Should().BeFalse("its intake is still out");

        intake.Server.Intake.Latency = TimeSpan.FromMilliseconds(300);
        watch.Restart();
        await Task.WhenAll(intake.Client.SendAsync(intake.Chunk(IntakeHarness.Events(2))), intake.Client.SendAsync(intake.Chunk(IntakeHarness.Events(2))));
        watch.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(580), "with one place the two requests go one after the other");

        (await retrying).Should().BeOfType<IntakeOutcome.Acknowledged>("the outage ended within its retries");
        failing.Intake.Record(IntakeHarness.Key).Stats.Unique.Should().Be(3);
    }

    [Fact]
    public async Task A_429_Retry_After_is_honoured_instead_of_the_backoff()
    {
        await using var intake = await IntakeHarness.StartAsync(o => o.RetryDelay = TimeSpan.FromMilliseconds(1));
        var chunk = intake.Chunk(IntakeHarness.Events(3));
        intake.Server.Intake.StartOutage(TimeSpan.FromMilliseconds(200), 429, retryAfter: TimeSpan.FromSeconds(1));

        var watch = Stopwatch.StartNew();
        var outcome = await intake.Client.SendAsync(chunk);

        // With the 1 ms backoff alone, all retries would have been spent inside the 200 ms outage.
        outcome.Should().Be(new IntakeOutcome.Acknowledged(3, Attempts: 2));
        watch.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(950));
    }

    [Fact]
    public async Task An_outage_longer_than_the_retry_budget_hands_the_chunk_back_intact()
    {
        await using var intake = await IntakeHarness.StartAsync();
        var chunk = intake.Chunk(IntakeHarness.Events(5));
        intake.Server.Intake.StartOutage(TimeSpan.FromMinutes(5), 503);

        var outcome = await intake.Client.SendAsync(chunk);

        var later = outcome.Should().BeOfType<IntakeOutcome.RetryLater>().Subject;
        later.Should().BeEquivalentTo(new { StatusCode = 503, AcknowledgedCount = 0, Attempts = 4 });
        later.Reason.Should().Contain(intake.Client.BatchUrl.ToString()).And.Contain("503").And.NotContain(IntakeHarness.Key);
        intake.Record.Stats.Received.Should().Be(0);

        intake.Server.Intake.EndOutages();
        (await intake.Client.SendAsync(chunk)).Should().Be(new IntakeOutcome.Acknowledged(5, Attempts: 1));
        intake.Record.Stats.Unique.Should().Be(5);
    }

    [Fact]
    public async Task An_unknown_key_is_fatal_and_the_message_names_the_url_and_status_but_not_the_key()
    {
        const string wrongKey = "not-a-known-intake-key";
        await using var intake = await IntakeHarness.StartAsync();
        var client = intake.ClientFor(intake.Server.IntakeUrl, wrongKey);
        using var builder = client.CreateChunkBuilder();
        builder.TryAdd(IntakeHarness.Event("a"));

        var outcome = await client.SendAsync(builder.Seal());

        var fatal = outcome.Should().BeOfType<IntakeOutcome.Fatal>().Subject;
        fatal.Should().BeEquivalentTo(new { StatusCode = 401, AcknowledgedCount = 0, Attempts = 1 });
        fatal.Message.Should().Contain(client.BatchUrl.ToString()).And.Contain("401").And.Contain("Unknown intake key").And.NotContain(wrongKey);
        fatal.ToString().Should().NotContain(wrongKey);
    }

    [Fact]
    public async Task A_wrong_intake_url_is_fatal()
    {
        await using var intake = await IntakeHarness.StartAsync();
        var client = intake.ClientFor(new Uri(intake.Server.IntakeUrl, "nope"), IntakeHarness.Key);
        using var builder = client.CreateChunkBuilder();
        builder.TryAdd(IntakeHarness.Event("a"));

        var outcome = await client.SendAsync(builder.Seal());

        var fatal = outcome.Should().BeOfType<IntakeOutcome.Fatal>().Subject;
        fatal.StatusCode.Should().Be(404);
        fatal.Message.Should().Contain($"{intake.Server.IntakeUrl}nope/batch").And.Contain("404").And.NotContain(IntakeHarness.Key);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_413_splits_the_chunk_until_the_halves_fit_and_every_event_arrives_once(bool gzip)
    {
        await using var intake = await IntakeHarness.StartAsync(o => o.Compress = gzip);
        var chunk = intake.Chunk(IntakeHarness.Events(64, pad: 100));
        intake.Server.Intake.MaxBodyBytes = chunk.Body.Length / 5;

        var outcome = await intake.Client.SendAsync(chunk);

        outcome.Should().BeOfType<IntakeOutcome.Acknowledged>().Which.AcknowledgedCount.Should().Be(64);
        outcome.Attempts.Should().BeGreaterThan(8); // 1 + 2 + 4 refused, then 8 halves of 8 accepted
        var stats = intake.Record.Stats;
        stats.Should().BeEquivalentTo(new { Received = 64, Unique = 64, Duplicates = 0 });
        stats.Requests.Should().BeGreaterThanOrEqualTo(8);
        intake.Record.Identities.Should().BeEquivalentTo(Enumerable.Range(0, 64).Select(i => $"e{i}"));
    }

    [Fact]
    public async Task An_event_too_large_for_the_intake_alone_stops_the_chunk_at_its_position_and_the_rest_follows()
    {
        await using var intake = await IntakeHarness.StartAsync();
        var events = IntakeHarness.Events(10);
        events[5] = IntakeHarness.Event("big", pad: 5_000);
        var chunk = intake.Chunk(events);
        intake.Server.Intake.MaxBodyBytes = 3_000;

        var outcome = await intake.Client.SendAsync(chunk);

        var tooLarge = outcome.Should().BeOfType<IntakeOutcome.TooLarge>().Subject;
        tooLarge.AcknowledgedCount.Should().Be(5);
        tooLarge.Message.Should().Contain("413").And.Contain(intake.Client.BatchUrl.ToString());
        chunk.GetEvent(tooLarge.AcknowledgedCount).Should().Equal(events[5]);
        intake.Record.Identities.Should().BeEquivalentTo(["e0", "e1", "e2", "e3", "e4"]);

        (await intake.Client.SendAsync(chunk.Skip(tooLarge.AcknowledgedCount + 1))).Should().BeOfType<IntakeOutcome.Acknowledged>()
            .Which.AcknowledgedCount.Should().Be(4);
        intake.Record.Stats.Should().BeEquivalentTo(new { Received = 9, Unique = 9, Duplicates = 0 });
    }

    [Fact]
    public async Task Events_over_250000_characters_are_rejected_by_the_builder_and_never_sent()
    {
        await using var intake = await IntakeHarness.StartAsync();
        using var builder = intake.Client.CreateChunkBuilder();
        var rejected = new List<int>();
        var events = IntakeHarness.Events(6);
        events[2] = IntakeHarness.Event("oversize", pad: 250_000);
        for (var i = 0; i < events.Count; i++)
        {
            if (builder.TryAdd(events[i]) == ChunkAddResult.RejectedTooLong)
            {
                rejected.Add(i);
            }
        }

        var outcome = await intake.Client.SendAsync(builder.Seal());

        rejected.Should().Equal(2);
        outcome.Should().Be(new IntakeOutcome.Acknowledged(5, Attempts: 1));
        intake.Record.Stats.Should().Be(new IntakeStats(Requests: 1, Received: 5, Unique: 5, Duplicates: 0, Unidentified: 0, Oversize: 0));
    }

    [Fact]
    public async Task A_refused_connection_is_retry_later()
    {
        await using var intake = await IntakeHarness.StartAsync(o => o.MaxRetryAttempts = 2);
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var client = intake.ClientFor(new Uri($"http://127.0.0.1:{port}/"), IntakeHarness.Key);
        using var builder = client.CreateChunkBuilder();
        builder.TryAdd(IntakeHarness.Event("a"));

        var outcome = await client.SendAsync(builder.Seal());

        var later = outcome.Should().BeOfType<IntakeOutcome.RetryLater>().Subject;
        later.Should().BeEquivalentTo(new { StatusCode = (int?)null, AcknowledgedCount = 0, Attempts = 3 });
        later.Reason.Should().Contain($"127.0.0.1:{port}");
    }

    [Fact]
    public async Task An_intake_slower_than_the_attempt_timeout_is_retry_later()
    {
        await using var intake = await IntakeHarness.StartAsync(o =>
        {
            o.MaxRetryAttempts = 1;
            o.AttemptTimeout = TimeSpan.FromMilliseconds(150);
        });
        intake.Server.Intake.Latency = TimeSpan.FromSeconds(3);
        var chunk = intake.Chunk(IntakeHarness.Events(2));

        var watch = Stopwatch.StartNew();
        var outcome = await intake.Client.SendAsync(chunk);

        outcome.Should().BeOfType<IntakeOutcome.RetryLater>().Which.Should().BeEquivalentTo(new { StatusCode = (int?)null, Attempts = 2 });
        ((IntakeOutcome.RetryLater)outcome).Reason.Should().Contain("did not answer in time");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2));
    }

    [Theory]
    [InlineData(true, "could not read the answer")]
    [InlineData(false, "did not answer in time")]
    public async Task An_acknowledgement_cut_or_stalled_halfway_is_retry_later(bool cut, string reason)
    {
        await using var intake = await IntakeHarness.StartAsync(o => o.AttemptTimeout = TimeSpan.FromMilliseconds(300));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var answering = AnswerHalfAsync(listener, cut);
        var client = intake.ClientFor(new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/"), IntakeHarness.Key);
        using var builder = client.CreateChunkBuilder();
        builder.TryAdd(IntakeHarness.Event("a"));

        var watch = Stopwatch.StartNew();
        var outcome = await client.SendAsync(builder.Seal());

        var later = outcome.Should().BeOfType<IntakeOutcome.RetryLater>().Subject;
        later.Should().BeEquivalentTo(new { StatusCode = (int?)null, AcknowledgedCount = 0 });
        later.Reason.Should().Contain(reason);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "a stalled answer gets an attempt's time, not forever");
        listener.Stop();
        await answering;
    }

    /// <summary>Reads one request, then answers 200 with half of the body it announces, and closes or stalls.</summary>
    private static async Task AnswerHalfAsync(TcpListener listener, bool close)
    {
        using var socket = await listener.AcceptTcpClientAsync();
        var stream = socket.GetStream();
        var request = new List<byte>();
        var buffer = new byte[64 * 1024];
        int headerEnd;
        while ((headerEnd = Encoding.ASCII.GetString([.. request]).IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
        {
            request.AddRange(buffer.AsSpan(0, await stream.ReadAsync(buffer)).ToArray());
        }

        var head = Encoding.ASCII.GetString([.. request], 0, headerEnd);
        var length = int.Parse(head.Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))[15..].Trim(), CultureInfo.InvariantCulture);
        for (var body = request.Count - headerEnd - 4; body < length;)
        {
            body += await stream.ReadAsync(buffer);
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"event_ids\":[\"a"));
        await stream.FlushAsync();
        if (!close)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }
}
