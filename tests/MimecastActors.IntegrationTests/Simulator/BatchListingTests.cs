using System.Net;
using System.Text.Json;

namespace MimecastActors.IntegrationTests.Simulator;

public sealed class BatchListingTests
{
    [Fact]
    public async Task Pagination_runs_to_the_end_then_a_saved_token_sees_only_new_files()
    {
        await using var sim = await SimulatorHttp.StartAsync(SimulatorHttp.Acme(c => c with
        {
            BacklogFiles = 25,
            PublishInterval = TimeSpan.FromMinutes(15),
            FilesPerInterval = 2,
        }));
        var token = await sim.Token();

        var pages = new List<Page>();
        string? next = null;
        do
        {
            var page = await sim.ListPage(token, SimulatorHttp.Query("receipt", pageSize: 10, nextPage: next));
            pages.Add(page);
            next = page.NextPage;
        }
        while (!pages[^1].IsCaughtUp);

        pages.Select(p => p.Files.Count).Should().Equal(10, 10, 5);
        pages.SelectMany(p => p.Paths).Should().OnlyHaveUniqueItems().And.HaveCount(25);

        // Caught up: the last token still answers, with an empty page and a token of its own.
        var empty = await sim.ListPage(token, SimulatorHttp.Query("receipt", pageSize: 10, nextPage: next));
        empty.Files.Should().BeEmpty();
        empty.IsCaughtUp.Should().BeTrue();
        empty.NextPage.Should().NotBeNullOrEmpty();

        sim.Time.Advance(TimeSpan.FromMinutes(15));
        var fresh = await sim.ListPage(token, SimulatorHttp.Query("receipt", pageSize: 10, nextPage: empty.NextPage));
        fresh.Paths.Should().Equal("/s3/acme/receipt/00000025.json.gz", "/s3/acme/receipt/00000026.json.gz");
        fresh.IsCaughtUp.Should().BeTrue();
    }

    [Fact]
    public async Task Without_a_token_listing_starts_again_at_the_beginning_of_the_window()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        var token = await sim.Token();

        var first = await sim.ListPage(token, SimulatorHttp.Query("receipt"));
        var again = await sim.ListPage(token, SimulatorHttp.Query("receipt"));

        again.Paths.Should().Equal(first.Paths, "a puller that loses its token re-reads (and duplicates) the whole window");
    }

    [Fact]
    public async Task A_comma_list_of_types_gives_one_cursor_over_all_of_them_in_publish_order()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        var token = await sim.Token();

        var page = await sim.ListPage(token, SimulatorHttp.Query("receipt,url protect", pageSize: 100));

        page.Paths.Should().HaveCount(10);
        page.Paths.Where(p => p.Contains("/url-protect/", StringComparison.Ordinal)).Should().HaveCount(5);
        page.Paths.Take(2).Should().BeEquivalentTo("/s3/acme/receipt/00000000.json.gz", "/s3/acme/url-protect/00000000.json.gz");
        page.IsCaughtUp.Should().BeTrue();
    }

    [Fact]
    public async Task A_type_the_tenant_has_no_licence_for_publishes_nothing()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        var page = await sim.ListPage(await sim.Token(), SimulatorHttp.Query("journal"));

        page.Files.Should().BeEmpty();
        page.IsCaughtUp.Should().BeTrue();
    }

    [Theory]
    [InlineData("type=receipt&pageSize=0", "fail")]
    [InlineData("type=receipt&pageSize=101", "fail")]
    [InlineData("type=receipt&pageSize=ten", "fail")]
    [InlineData("pageSize=10", "error")]
    [InlineData("type=everything", "error")]
    [InlineData("type=receipt&dateRangeStartsAt=2026-11-01", "error")]
    [InlineData("type=receipt&dateRangeStartsAt=20-11-2026", "error")]
    [InlineData("type=receipt&dateRangeStartsAt=2026-11-19&dateRangeEndsAt=2026-11-18", "error")]
    [InlineData("type=receipt&nextPage=not-a-token", "error")]
    public async Task Bad_parameters_get_400_with_an_error_body(string query, string shape)
    {
        await using var sim = await SimulatorHttp.StartAsync();
        using var response = await sim.List(await sim.Token(), query);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var message = shape == "fail"
            ? body.RootElement.GetProperty("fail")[0].GetProperty("message").GetString()
            : body.RootElement.GetProperty("error").GetProperty("message").GetString();
        message.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_token_of_another_type_list_is_refused()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        var token = await sim.Token();
        var page = await sim.ListPage(token, SimulatorHttp.Query("receipt", pageSize: 1));

        using var response = await sim.List(token, SimulatorHttp.Query("url protect", nextPage: page.NextPage));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_date_window_limits_the_files_listed()
    {
        // Backlog of 3 files a day apart: 17, 18 and 19 November; "now" is 20 November noon.
        await using var sim = await SimulatorHttp.StartAsync(SimulatorHttp.Acme(c => c with { BacklogFiles = 3, BacklogSpacing = TimeSpan.FromDays(1) }));
        var token = await sim.Token();

        var from18 = await sim.ListPage(token, SimulatorHttp.Query("receipt") + "&dateRangeStartsAt=2026-11-18");
        var only18 = await sim.ListPage(token, SimulatorHttp.Query("receipt") + "&dateRangeStartsAt=2026-11-18&dateRangeEndsAt=2026-11-18");

        from18.Paths.Should().Equal("/s3/acme/receipt/00000001.json.gz", "/s3/acme/receipt/00000002.json.gz");
        only18.Paths.Should().Equal("/s3/acme/receipt/00000001.json.gz");
        only18.IsCaughtUp.Should().BeTrue();
    }

    [Fact]
    public async Task Accept_encoding_zstd_makes_the_api_fail_with_500()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        using var response = await sim.List(await sim.Token(), SimulatorHttp.Query("receipt"), r => r.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip, deflate, zstd"));

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        (await response.Content.ReadAsStringAsync()).Should().Contain("internal-error");
    }
}
