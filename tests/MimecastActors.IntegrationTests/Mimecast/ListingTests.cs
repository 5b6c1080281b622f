using MimecastActors.Mimecast;
using MimecastActors.Simulator;

namespace MimecastActors.IntegrationTests.Mimecast;

public sealed class ListingTests
{
    [Fact]
    public async Task One_type_and_a_comma_list_are_sent_form_encoded_and_listed()
    {
        await using var h = await MimecastHarness.StartAsync();
        var client = h.Client();

        var one = await MimecastHarness.Page(client, new BatchQuery(["url protect"]));
        var both = await MimecastHarness.Page(client, new BatchQuery(["receipt", "url protect"]));

        one.Files.Should().HaveCount(5).And.OnlyContain(f => f.Identity.Contains("/url-protect/", StringComparison.Ordinal));
        both.Files.Should().HaveCount(10);
        h.Simulated.Calls.Select(c => c.Types).Should().Equal("url protect", "receipt,url protect");
        MimecastApiClient.ListingPath(new BatchQuery(["receipt", "url protect"], 7)).Should().Be("siem/v1/batch/events/cg?type=receipt%2Curl+protect&pageSize=7");
    }

    [Fact]
    public async Task Pagination_runs_to_the_end_and_resumes_from_a_saved_token()
    {
        await using var h = await MimecastHarness.StartAsync(MimecastHarness.Acme(c => c with { BacklogFiles = 12 }), fakeTime: true);
        var client = h.Client();

        var seen = new List<string>();
        string? next = null;
        BatchPage page;
        do
        {
            page = await MimecastHarness.Page(client, new BatchQuery(["receipt"], PageSize: 5, NextPage: next));
            seen.AddRange(page.Files.Select(f => f.Identity));
            next = page.NextPage;
        }
        while (!page.IsCaughtUp);

        seen.Should().HaveCount(12).And.OnlyHaveUniqueItems();

        // A new client (a restarted puller) with the saved token sees nothing old.
        var resumed = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"], PageSize: 5, NextPage: next));
        resumed.Files.Should().BeEmpty();
        resumed.IsCaughtUp.Should().BeTrue();
        resumed.NextPage.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task An_empty_page_that_is_not_caught_up_is_a_page_to_follow()
    {
        var scenario = MimecastHarness.Acme();
        scenario.Quirks.EmptyPageProbability = 1;
        await using var h = await MimecastHarness.StartAsync(scenario);

        var page = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"]));

        page.Files.Should().BeEmpty();
        page.IsCaughtUp.Should().BeFalse();
        page.NextPage.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task The_same_url_twice_in_a_page_is_listed_once()
    {
        var scenario = MimecastHarness.Acme();
        scenario.Quirks.DuplicateUrls = true;
        await using var h = await MimecastHarness.StartAsync(scenario);

        var page = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"]));

        page.Files.Should().HaveCount(5);
        page.Files.Select(f => f.Identity).Should().OnlyHaveUniqueItems();
        page.DuplicatesDropped.Should().Be(1);
    }

    [Theory]
    [InlineData(0, null, "pageSize must be between 1 and 100")] // the {"fail":[…]} shape
    [InlineData(10, "bm90LWEtdG9rZW4", "nextPage is not a valid token")] // the {"error":{…}} shape
    public async Task Both_error_shapes_become_a_message(int pageSize, string? nextPage, string message)
    {
        await using var h = await MimecastHarness.StartAsync();

        var outcome = await h.Client().ListAsync(new BatchQuery(["receipt"], pageSize, nextPage), CancellationToken.None);

        var failure = outcome.Should().BeOfType<ListingFailed>().Subject.Failure;
        failure.Kind.Should().Be(MimecastFailureKind.BadRequest);
        failure.Status.Should().Be(400);
        failure.Message.Should().Contain("validation_error").And.Contain(message);
        outcome.Calls.Should().Be(1);
    }

    [Fact]
    public async Task A_gateway_page_becomes_a_readable_transient_failure()
    {
        var scenario = MimecastHarness.Acme(c => c with { RateLimit = new RateLimitScenario { Calls = 1000 } });
        scenario.Quirks.ServerErrorProbability = 1;
        await using var h = await MimecastHarness.StartAsync(scenario);
        var client = h.Client();

        var failures = new List<MimecastFailure>();
        for (var i = 0; i < 12; i++)
        {
            failures.Add((await client.ListAsync(new BatchQuery(["receipt"]), CancellationToken.None)).Should().BeOfType<ListingFailed>().Subject.Failure);
        }

        failures.Should().OnlyContain(f => f.Kind == MimecastFailureKind.ServerError && f.IsTransient);
        failures.Should().Contain(f => f.Status == 502 && f.Message.Contains("502 Bad Gateway", StringComparison.Ordinal) && !f.Message.Contains('<', StringComparison.Ordinal));
        failures.Should().Contain(f => f.Status == 500 && f.Message.Contains("internal-error", StringComparison.Ordinal));
        h.Simulated.Stats.SiemCalls.Should().Be(12, "a listing is never retried behind the caller's back");
    }

    [Fact]
    public async Task Accept_encoding_is_limited_to_gzip_and_deflate()
    {
        // The simulator answers 500 when zstd is offered, as the real API did.
        await using var h = await MimecastHarness.StartAsync();

        (await h.Client().ListAsync(new BatchQuery(["receipt"]), CancellationToken.None)).Should().BeOfType<PageListed>();
    }

    [Fact]
    public async Task A_closed_port_is_a_transport_failure()
    {
        await using var h = await MimecastHarness.StartAsync();

        var outcome = await h.Client(baseUrl: new Uri("http://127.0.0.1:9/")).ListAsync(new BatchQuery(["receipt"]), CancellationToken.None);

        var failure = outcome.Should().BeOfType<ListingFailed>().Subject.Failure;
        failure.Kind.Should().Be(MimecastFailureKind.Transport);
        failure.IsTransient.Should().BeTrue();
    }

    [Fact]
    public async Task Rate_limit_headers_are_surfaced_and_a_429_waits_for_x_ratelimit_reset()
    {
        await using var h = await MimecastHarness.StartAsync(
            MimecastHarness.Acme(c => c with { RateLimit = new RateLimitScenario { Calls = 2, Window = TimeSpan.FromMinutes(1) } }), fakeTime: true);
        var client = h.Client();

        var first = await client.ListAsync(new BatchQuery(["receipt"]), CancellationToken.None);
        first.RateLimit.Should().Be(new RateLimitStatus(2, 1, TimeSpan.FromMinutes(1)));
        h.FakeTime.Advance(TimeSpan.FromSeconds(20));
        await client.ListAsync(new BatchQuery(["receipt"]), CancellationToken.None);

        var limited = await client.ListAsync(new BatchQuery(["receipt"]), CancellationToken.None);

        var wait = limited.Should().BeOfType<RateLimited>().Subject.Wait;
        wait.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(40)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(44));
        limited.RateLimit.Remaining.Should().Be(0);
    }

    [Fact]
    public async Task A_429_with_retry_after_waits_what_retry_after_says()
    {
        await using var h = await MimecastHarness.StartAsync(
            MimecastHarness.Acme(c => c with { RateLimit = new RateLimitScenario { Calls = 1, Window = TimeSpan.FromSeconds(90), SendRetryAfter = true } }), fakeTime: true);
        var client = h.Client();
        await client.ListAsync(new BatchQuery(["receipt"]), CancellationToken.None);
        h.FakeTime.Advance(TimeSpan.FromMilliseconds(30_500));

        var limited = await client.ListAsync(new BatchQuery(["receipt"]), CancellationToken.None);

        // Retry-After is whole seconds (60), rounded up from the 59.5 s the reset header gives.
        limited.Should().BeOfType<RateLimited>().Which.Wait.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(60)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(66));
        limited.RateLimit.Reset.Should().Be(TimeSpan.FromMilliseconds(59_500));
    }

    [Fact]
    public async Task Start_and_end_dates_limit_the_listing()
    {
        // Three backlog files a day apart (17, 18, 19 November); the fake clock says 20 November, noon.
        await using var h = await MimecastHarness.StartAsync(MimecastHarness.Acme(c => c with { BacklogFiles = 3, BacklogSpacing = TimeSpan.FromDays(1) }), fakeTime: true);

        var page = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"], StartsAt: new DateOnly(2026, 11, 18), EndsAt: new DateOnly(2026, 11, 18)));

        page.Files.Select(f => f.Identity).Should().ContainSingle().Which.Should().EndWith("/receipt/00000001.json.gz");
    }
}
