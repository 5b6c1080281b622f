using System.Diagnostics;
using System.Net;
using System.Text.Json;

using MimecastActors.Simulator;
using MimecastActors.Simulator.Intake;
using MimecastActors.Simulator.Mimecast;

namespace MimecastActors.IntegrationTests.Simulator;

public sealed class IntakeTests
{
    private static string Event(string id) => $$"""{"{{SimulatedEvent.IdentityField}}":"{{id}}","type":"receipt","subject":"say \"hi\"\\n"}""";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_batch_is_acknowledged_with_one_id_per_event_and_recorded(bool gzip)
    {
        await using var sim = await SimulatorHttp.StartAsync();
        using var response = await sim.Http.PostAsync("batch", SimulatorHttp.IntakeBody(SimulatorHttp.IntakeKey, new[] { "a", "b", "c" }.Select(Event), gzip));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("event_ids").GetArrayLength().Should().Be(3);
        var record = sim.Server.Intake.Record(SimulatorHttp.IntakeKey);
        record.Identities.Should().BeEquivalentTo("a", "b", "c");
        record.Stats.Should().Be(new IntakeStats(Requests: 1, Received: 3, Unique: 3, Duplicates: 0, Unidentified: 0, Oversize: 0));
    }

    [Fact]
    public async Task Identities_are_read_alike_whether_or_not_they_hold_escapes_and_event_ids_never_repeat()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        var ids = new List<string>();
        foreach (var batch in new[] { new[] { "plain", "qu\\\"ote", "back\\\\slash" }, ["é\\u00e9", "plain"] })
        {
            using var response = await sim.Http.PostAsync("batch", SimulatorHttp.IntakeBody(SimulatorHttp.IntakeKey, batch.Select(Event)));
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            ids.AddRange(body.RootElement.GetProperty("event_ids").EnumerateArray().Select(e => e.GetString()!));
        }

        var record = sim.Server.Intake.Record(SimulatorHttp.IntakeKey);
        record.Identities.Should().BeEquivalentTo("plain", "qu\"ote", "back\\slash", "éé");
        record.Stats.Duplicates.Should().Be(1);
        ids.Should().HaveCount(5).And.OnlyHaveUniqueItems().And.AllSatisfy(id => Guid.TryParse(id, out _).Should().BeTrue());
    }

    [Fact]
    public async Task Duplicates_unidentified_and_oversize_events_are_counted()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        var oversize = Event("big")[..^1] + ",\"pad\":\"" + new string('x', 250_000) + "\"}";
        (await sim.Http.PostAsync("batch", SimulatorHttp.IntakeBody(SimulatorHttp.IntakeKey, [Event("a"), Event("b")]))).EnsureSuccessStatusCode();
        (await sim.Http.PostAsync("batch", SimulatorHttp.IntakeBody(SimulatorHttp.IntakeKey, [Event("b"), "not json", oversize]))).EnsureSuccessStatusCode();

        sim.Server.Intake.Record(SimulatorHttp.IntakeKey).Stats.Should().Be(
            new IntakeStats(Requests: 2, Received: 5, Unique: 2, Duplicates: 1, Unidentified: 1, Oversize: 1));
    }

    [Fact]
    public async Task An_unknown_key_gets_an_error_status_with_a_json_body()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        using var response = await sim.Http.PostAsync("batch", SimulatorHttp.IntakeBody("no-such-key", [Event("a")]));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("message").GetString().Should().Be("Unknown intake key");
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"intake_key":"acme-intake-key"}""")]
    [InlineData("""{"intake_key":"acme-intake-key","jsons":[1,2]}""")]
    public async Task A_malformed_body_gets_400_with_a_message(string body)
    {
        await using var sim = await SimulatorHttp.StartAsync();
        using var response = await sim.Http.PostAsync("batch", new StringContent(body, null, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("\"message\"");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_over_10_MiB_gets_413_even_when_it_travels_compressed(bool gzip)
    {
        await using var sim = await SimulatorHttp.StartAsync();
        var events = Enumerable.Range(0, 11).Select(i => Event($"e{i}")[..^1] + ",\"pad\":\"" + new string('x', 1024 * 1024) + "\"}");

        using var response = await sim.Http.PostAsync("batch", SimulatorHttp.IntakeBody(SimulatorHttp.IntakeKey, events, gzip));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        sim.Server.Intake.Record(SimulatorHttp.IntakeKey).Stats.Received.Should().Be(0);
    }

    [Fact]
    public async Task Outages_answer_503_or_429_with_retry_after_until_they_end()
    {
        await using var sim = await SimulatorHttp.StartAsync(change: s => s with
        {
            Intake = new IntakeScenario { Outages = [new IntakeOutage { StartsAfter = TimeSpan.FromMinutes(1), Duration = TimeSpan.FromMinutes(1) }] },
        });
        var body = () => SimulatorHttp.IntakeBody(SimulatorHttp.IntakeKey, [Event("a")]);

        (await sim.Http.PostAsync("batch", body())).StatusCode.Should().Be(HttpStatusCode.OK);
        sim.Time.Advance(TimeSpan.FromMinutes(1));
        (await sim.Http.PostAsync("batch", body())).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        sim.Time.Advance(TimeSpan.FromMinutes(1));
        (await sim.Http.PostAsync("batch", body())).StatusCode.Should().Be(HttpStatusCode.OK);

        using var outage = await sim.Http.PostAsync("simulator/intake/outage", JsonContent("""{"duration":"00:00:30","status":429,"retryAfter":"00:00:07"}"""));
        outage.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using var throttled = await sim.Http.PostAsync("batch", body());
        throttled.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        throttled.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(7));

        sim.Server.Intake.Record(SimulatorHttp.IntakeKey).Stats.Requests.Should().Be(2);
    }

    [Fact]
    public async Task Added_latency_delays_every_answer()
    {
        await using var server = await SimulatorServer.StartAsync(new Scenario { IntakeKeys = ["k"], Intake = new IntakeScenario { Latency = TimeSpan.FromMilliseconds(300) } });
        using var http = new HttpClient { BaseAddress = server.BaseUrl };

        var watch = Stopwatch.StartNew();
        (await http.PostAsync("batch", SimulatorHttp.IntakeBody("k", [Event("a")]))).EnsureSuccessStatusCode();

        watch.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(290));
    }

    [Fact]
    public async Task Introspection_over_http_reports_the_intake_and_client_figures()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        (await sim.Http.PostAsync("batch", SimulatorHttp.IntakeBody(SimulatorHttp.IntakeKey, [Event("a"), Event("a")]))).EnsureSuccessStatusCode();
        await sim.ListPage(await sim.Token(), SimulatorHttp.Query("receipt"));

        using var intake = JsonDocument.Parse(await sim.Http.GetStringAsync($"simulator/intakes/{SimulatorHttp.IntakeKey}"));
        intake.RootElement.GetProperty("duplicates").GetInt64().Should().Be(1);
        using var client = JsonDocument.Parse(await sim.Http.GetStringAsync($"simulator/clients/{SimulatorHttp.ClientId}"));
        client.RootElement.GetProperty("stats").GetProperty("siemCalls").GetInt32().Should().Be(1);
        client.RootElement.GetProperty("published").GetInt32().Should().Be(2 * 5 * 20);
        (await sim.Http.GetAsync("simulator/clients/nobody")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private static StringContent JsonContent(string json) => new(json, null, "application/json");
}
