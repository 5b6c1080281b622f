using MimecastActors.Mimecast;
using MimecastActors.Simulator;

namespace MimecastActors.IntegrationTests.Mimecast;

public sealed class TokenTests
{
    private static readonly BatchQuery Receipts = new(["receipt"]);

    [Fact]
    public async Task A_token_is_reused_while_fresh()
    {
        await using var h = await MimecastHarness.StartAsync(fakeTime: true);
        var client = h.Client();

        await MimecastHarness.Page(client, Receipts);
        h.FakeTime.Advance(TimeSpan.FromMinutes(20));
        await MimecastHarness.Page(client, Receipts);

        h.Simulated.Stats.TokensIssued.Should().Be(1);
    }

    [Fact]
    public async Task A_token_is_replaced_ahead_of_its_expiry_without_a_refused_call()
    {
        await using var h = await MimecastHarness.StartAsync(fakeTime: true, options: o => o.TokenRefreshAhead = TimeSpan.FromMinutes(2));
        var client = h.Client();
        var first = await client.GetTokenAsync(CancellationToken.None);

        h.FakeTime.Advance(TimeSpan.FromSeconds(1799) - TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        (await client.GetTokenAsync(CancellationToken.None)).Should().BeSameAs(first);
        h.FakeTime.Advance(TimeSpan.FromSeconds(2));
        var outcome = await client.ListAsync(Receipts, CancellationToken.None);

        outcome.Should().BeOfType<PageListed>().Which.Calls.Should().Be(1);
        h.Simulated.Stats.TokensIssued.Should().Be(2);
        h.Simulated.Calls.Should().OnlyContain(c => c.Status == 200);
    }

    [Fact]
    public async Task A_token_endpoint_that_does_not_answer_in_time_fails_the_listing_as_a_transport_failure_and_the_next_listing_succeeds()
    {
        await using var h = await MimecastHarness.StartAsync(
            MimecastHarness.Acme(c => c with { Quirks = new MimecastQuirks { TokenDelay = TimeSpan.FromSeconds(10) } }),
            // The timeout also bounds the listing that follows: far under the delay, far above a first listing on a busy machine.
            options: o => (o.RequestTimeout, o.TokenRetries) = (TimeSpan.FromSeconds(2), 1));
        var client = h.Client();

        var outcome = await client.ListAsync(Receipts, CancellationToken.None);

        var failure = outcome.Should().BeOfType<ListingFailed>("the resilience pipeline's timeout is not an exception a caller should see").Subject.Failure;
        failure.Kind.Should().Be(MimecastFailureKind.Transport);
        failure.Message.Should().StartWith("Mimecast token request to ").And.Contain("got no answer");

        h.Simulated.Quirks.TokenDelay = TimeSpan.Zero;
        var next = await client.ListAsync(Receipts, CancellationToken.None);
        next.Should().BeOfType<PageListed>((next as ListingFailed)?.Failure.Message);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("<html>proxy login</html>")]
    [InlineData("{\"access_token\":\"abc\",\"expires_in\":\"1799\"}")]
    [InlineData("{\"access_token\":42,\"expires_in\":1799}")]
    public async Task A_token_answer_that_is_not_a_token_fails_the_listing_with_a_clear_message(string body)
    {
        await using var h = await MimecastHarness.StartAsync(MimecastHarness.Acme(c => c with { Quirks = new MimecastQuirks { TokenBody = body } }));

        var outcome = await h.Client().ListAsync(Receipts, CancellationToken.None);

        var failure = outcome.Should().BeOfType<ListingFailed>().Subject.Failure;
        failure.Kind.Should().Be(MimecastFailureKind.MalformedResponse);
        failure.Message.Should().Be("Mimecast token endpoint answered 200 without a token: expected `access_token` (a string) and `expires_in` (a positive number of seconds)");
    }

    [Fact]
    public async Task Concurrent_callers_share_one_token_request()
    {
        await using var h = await MimecastHarness.StartAsync();
        var client = h.Client();

        var tokens = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => client.GetTokenAsync(CancellationToken.None))));

        tokens.Select(t => t.Value).Distinct().Should().ContainSingle();
        h.Simulated.Stats.TokensIssued.Should().Be(1);
    }

    [Fact]
    public async Task A_failed_token_request_leaves_nothing_locked_and_the_next_one_succeeds()
    {
        await using var h = await MimecastHarness.StartAsync(
            MimecastHarness.Acme(c => c with { TokenRateLimit = new RateLimitScenario { Calls = 1, Window = TimeSpan.FromMinutes(1) } }), fakeTime: true);
        var spender = h.Client();
        await spender.GetTokenAsync(CancellationToken.None); // spends the token endpoint's budget
        var client = h.Client();

        var refused = await client.ListAsync(Receipts, CancellationToken.None);
        refused.Should().BeOfType<RateLimited>().Which.Wait.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMinutes(1));
        refused.Calls.Should().Be(0, "no listing call was sent without a token");

        h.FakeTime.Advance(TimeSpan.FromMinutes(1));
        (await client.ListAsync(Receipts, CancellationToken.None)).Should().BeOfType<PageListed>();
    }

    [Fact]
    public async Task A_refused_token_is_discarded_and_the_call_retried_once_with_a_new_one()
    {
        await using var h = await MimecastHarness.StartAsync();
        var client = h.Client();
        await MimecastHarness.Page(client, Receipts);

        h.Simulated.RevokeAllTokens();
        var outcome = await client.ListAsync(Receipts, CancellationToken.None);

        outcome.Should().BeOfType<PageListed>().Which.Calls.Should().Be(2, "the refused call and its retry both reach the API");
        h.Simulated.Stats.TokensIssued.Should().Be(2);
        h.Simulated.Calls.Select(c => c.Status).Should().Equal(200, 401, 200);
    }

    [Fact]
    public async Task Bad_credentials_are_a_typed_failure_worded_for_an_operator_without_the_secret()
    {
        await using var h = await MimecastHarness.StartAsync();
        var client = h.Client(secret: "wrong-secret-value");

        var outcome = await client.ListAsync(Receipts, CancellationToken.None);

        var failure = outcome.Should().BeOfType<ListingFailed>().Subject.Failure;
        failure.Kind.Should().Be(MimecastFailureKind.InvalidCredentials);
        failure.NeedsOperator.Should().BeTrue();
        failure.Message.Should().Contain("client id acme").And.Contain("InvalidClientIdentifier").And.NotContain("wrong-secret-value");
        outcome.Calls.Should().Be(0);

        // Nothing is poisoned: the same client asks again next time.
        (await client.ListAsync(Receipts, CancellationToken.None)).Should().BeOfType<ListingFailed>();
        h.Simulated.Stats.TokensIssued.Should().Be(0);
    }

    [Fact]
    public async Task A_forbidden_application_is_a_typed_failure()
    {
        var scenario = MimecastHarness.Acme();
        scenario.Quirks.Forbidden = true;
        await using var h = await MimecastHarness.StartAsync(scenario);

        var outcome = await h.Client().ListAsync(Receipts, CancellationToken.None);

        var failure = outcome.Should().BeOfType<ListingFailed>().Subject.Failure;
        failure.Kind.Should().Be(MimecastFailureKind.Forbidden);
        failure.Message.Should().Contain("SIEM permission").And.Contain("app_forbidden");
    }

    [Fact]
    public async Task Neither_the_secret_nor_a_token_reaches_a_log_line()
    {
        await using var h = await MimecastHarness.StartAsync();
        var client = h.Client();
        var token = await client.GetTokenAsync(CancellationToken.None);
        h.Simulated.RevokeAllTokens();
        await MimecastHarness.Page(client, Receipts);
        await h.Client(secret: MimecastHarness.Secret + "x").ListAsync(Receipts, CancellationToken.None);

        h.Logs.Lines.Should().NotBeEmpty();
        h.Logs.Lines.Should().NotContain(l => l.Contains(MimecastHarness.Secret, StringComparison.Ordinal) || l.Contains(token.Value, StringComparison.Ordinal));
        new MimecastCredentials(h.Server.MimecastUrl, "acme", MimecastHarness.Secret).ToString().Should().NotContain(MimecastHarness.Secret);
        token.ToString().Should().NotContain(token.Value);
    }
}
