using System.Globalization;
using System.Net;

using MimecastActors.Simulator;

namespace MimecastActors.IntegrationTests.Simulator;

public sealed class RateLimitAndQuirkTests
{
    private static string Header(HttpResponseMessage r, string name) => r.Headers.GetValues(name).Single();

    [Fact]
    public async Task Every_response_carries_rate_limit_headers_and_the_call_over_budget_gets_429()
    {
        await using var sim = await SimulatorHttp.StartAsync(SimulatorHttp.Acme(c => c with
        {
            RateLimit = new RateLimitScenario { Calls = 3, Window = TimeSpan.FromMinutes(1), SendRetryAfter = true },
        }));
        var token = await sim.Token();

        var remaining = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var ok = await sim.List(token, SimulatorHttp.Query("receipt"));
            ok.StatusCode.Should().Be(HttpStatusCode.OK);
            Header(ok, "X-RateLimit-Limit").Should().Be("3");
            remaining.Add(Header(ok, "X-RateLimit-Remaining"));
            sim.Time.Advance(TimeSpan.FromSeconds(10));
        }

        remaining.Should().Equal("2", "1", "0");
        using var refused = await sim.List(token, SimulatorHttp.Query("receipt"));
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        Header(refused, "X-RateLimit-Remaining").Should().Be("0");
        // The first call was 30 s ago in a 60 s window: the quota frees up in 30,000 ms (a duration, not an epoch).
        Header(refused, "X-RateLimit-Reset").Should().Be("30000");
        refused.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(30));

        sim.Time.Advance(TimeSpan.FromSeconds(30));
        (await sim.List(token, SimulatorHttp.Query("receipt"))).StatusCode.Should().Be(HttpStatusCode.OK);

        var stats = sim.Server.Mimecast.Client(SimulatorHttp.ClientId).Stats;
        stats.SiemCalls.Should().Be(5);
        stats.TooManyRequests.Should().Be(1);
        stats.MaxCallsInAnyWindow.Should().Be(4, "the refused call counts: a puller that earns a 429 went over its budget");
    }

    [Fact]
    public async Task A_429_without_retry_after_is_the_default()
    {
        await using var sim = await SimulatorHttp.StartAsync(SimulatorHttp.Acme(c => c with { RateLimit = new RateLimitScenario { Calls = 1, Window = TimeSpan.FromSeconds(90) } }));
        var token = await sim.Token();
        (await sim.List(token, SimulatorHttp.Query("receipt"))).StatusCode.Should().Be(HttpStatusCode.OK);

        using var refused = await sim.List(token, SimulatorHttp.Query("receipt"));

        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        refused.Headers.RetryAfter.Should().BeNull();
        long.Parse(Header(refused, "X-RateLimit-Reset"), CultureInfo.InvariantCulture).Should().Be(90_000);
    }

    [Fact]
    public async Task The_call_log_records_every_listing_call_with_its_status()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        var token = await sim.Token();
        var page = await sim.ListPage(token, SimulatorHttp.Query("receipt", pageSize: 2));
        await sim.ListPage(token, SimulatorHttp.Query("receipt", pageSize: 2, nextPage: page.NextPage));
        (await sim.List(token, "type=receipt&pageSize=0")).StatusCode.Should().Be(HttpStatusCode.BadRequest);

        var calls = sim.Server.Mimecast.Client(SimulatorHttp.ClientId).Calls;

        calls.Select(c => c.Status).Should().Equal(200, 200, 400);
        calls.Select(c => c.NextPage).Should().Equal(null, page.NextPage, null);
        calls.Should().OnlyContain(c => c.Types == "receipt");
    }

    [Fact]
    public async Task Duplicate_urls_repeat_a_file_in_its_page()
    {
        var client = SimulatorHttp.Acme();
        client.Quirks.DuplicateUrls = true;
        await using var sim = await SimulatorHttp.StartAsync(client);

        var page = await sim.ListPage(await sim.Token(), SimulatorHttp.Query("receipt"));

        page.Files.Should().HaveCount(6);
        page.Files[1].Url.Should().Be(page.Files[0].Url);
        page.Paths.Distinct().Should().HaveCount(5);
    }

    [Fact]
    public async Task Empty_pages_that_are_not_caught_up_keep_the_position()
    {
        var client = SimulatorHttp.Acme();
        client.Quirks.EmptyPageProbability = 1;
        await using var sim = await SimulatorHttp.StartAsync(client);
        var token = await sim.Token();

        var empty = await sim.ListPage(token, SimulatorHttp.Query("receipt"));
        empty.Files.Should().BeEmpty();
        empty.IsCaughtUp.Should().BeFalse();

        client.Quirks.EmptyPageProbability = 0;
        var full = await sim.ListPage(token, SimulatorHttp.Query("receipt", nextPage: empty.NextPage));
        full.Files.Should().HaveCount(5);
        full.IsCaughtUp.Should().BeTrue();
    }

    [Fact]
    public async Task Server_errors_come_with_json_or_gateway_html_bodies_at_the_chosen_probability()
    {
        var client = SimulatorHttp.Acme(c => c with { RateLimit = new RateLimitScenario { Calls = 1000 } });
        client.Quirks.ServerErrorProbability = 1;
        await using var sim = await SimulatorHttp.StartAsync(client);
        var token = await sim.Token();

        var bodies = new List<(HttpStatusCode, string)>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await sim.List(token, SimulatorHttp.Query("receipt"));
            bodies.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        bodies.Should().Contain(b => b.Item1 == HttpStatusCode.InternalServerError && b.Item2.StartsWith("{\"fail\"", StringComparison.Ordinal));
        bodies.Should().Contain(b => b.Item1 == HttpStatusCode.BadGateway && b.Item2.StartsWith("<html>", StringComparison.Ordinal));

        client.Quirks.ServerErrorProbability = 0.3;
        var ok = 0;
        for (var i = 0; i < 200; i++)
        {
            using var response = await sim.List(token, SimulatorHttp.Query("receipt"));
            ok += response.IsSuccessStatusCode ? 1 : 0;
        }

        ok.Should().BeInRange(110, 170);
    }

    [Fact]
    public async Task Blob_downloads_can_fail_with_500()
    {
        var client = SimulatorHttp.Acme();
        client.Quirks.BlobServerErrorProbability = 1;
        await using var sim = await SimulatorHttp.StartAsync(client);
        var page = await sim.ListPage(await sim.Token(), SimulatorHttp.Query("receipt"));

        using var response = await sim.Http.GetAsync(page.Files[0].Url);

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        (await response.Content.ReadAsStringAsync()).Should().Contain("<Code>InternalError</Code>");
    }
}
