using System.Net;
using System.Text.Json;

using MimecastActors.Simulator;

namespace MimecastActors.IntegrationTests.Simulator;

public sealed class TokenAndAuthTests
{
    [Fact]
    public async Task Token_is_issued_for_valid_credentials_with_the_real_shape()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        using var response = await sim.RequestToken();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("token_type").GetString().Should().Be("Bearer");
        body.RootElement.GetProperty("expires_in").GetInt32().Should().Be(1799);
        body.RootElement.GetProperty("access_token").GetString().Should().NotBeNullOrEmpty();
        sim.Server.Mimecast.Client(SimulatorHttp.ClientId).Stats.TokensIssued.Should().Be(1);
    }

    [Theory]
    [InlineData(SimulatorHttp.ClientId, "wrong-secret")]
    [InlineData("nobody", SimulatorHttp.ClientSecret)]
    public async Task Bad_credentials_get_401_InvalidClientIdentifier(string clientId, string secret)
    {
        await using var sim = await SimulatorHttp.StartAsync();
        using var response = await sim.RequestToken(clientId, secret);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync()).Should().Be("""{"fail":[{"code":"InvalidClientIdentifier","message":"Client credentials are invalid"}]}""");
    }

    [Fact]
    public async Task A_wrong_grant_type_or_a_non_form_body_is_a_400()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        using var grant = await sim.RequestToken(grant: "password");
        using var json = await sim.Http.PostAsync("oauth/token", new StringContent("{}", null, "application/json"));

        grant.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await grant.Content.ReadAsStringAsync()).Should().Contain("unsupported_grant_type");
        json.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_token_endpoint_can_be_rate_limited()
    {
        await using var sim = await SimulatorHttp.StartAsync(SimulatorHttp.Acme(c => c with { TokenRateLimit = new RateLimitScenario { Calls = 2, Window = TimeSpan.FromMinutes(1) } }));
        (await sim.RequestToken()).StatusCode.Should().Be(HttpStatusCode.OK);
        (await sim.RequestToken()).StatusCode.Should().Be(HttpStatusCode.OK);
        (await sim.RequestToken()).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);

        sim.Time.Advance(TimeSpan.FromMinutes(1));
        (await sim.RequestToken()).StatusCode.Should().Be(HttpStatusCode.OK);
        sim.Server.Mimecast.Client(SimulatorHttp.ClientId).Stats.TokenRequestsRejected.Should().Be(1);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("garbage-token")]
    public async Task A_missing_or_unknown_bearer_token_gets_401_unauthorized(string? token)
    {
        await using var sim = await SimulatorHttp.StartAsync();
        using var response = await sim.List(token, SimulatorHttp.Query("receipt"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync()).Should().Be("""{"fail":[{"code":"unauthorized","message":"Unauthorized"}]}""");
    }

    [Fact]
    public async Task A_token_expires_after_its_ttl()
    {
        await using var sim = await SimulatorHttp.StartAsync(SimulatorHttp.Acme(c => c with { TokenTtl = TimeSpan.FromSeconds(60) }));
        var token = await sim.Token();
        (await sim.List(token, SimulatorHttp.Query("receipt"))).StatusCode.Should().Be(HttpStatusCode.OK);

        sim.Time.Advance(TimeSpan.FromSeconds(60));
        using var response = await sim.List(token, SimulatorHttp.Query("receipt"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync()).Should().Be("""{"fail":[{"code":"token_expired","message":"Access Token Expired"}]}""");
    }

    [Fact]
    public async Task Revoking_all_tokens_expires_the_old_ones_and_new_ones_work()
    {
        await using var sim = await SimulatorHttp.StartAsync();
        var old = await sim.Token();
        (await sim.Http.PostAsync($"simulator/clients/{SimulatorHttp.ClientId}/revoke-tokens", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);

        using var refused = await sim.List(old, SimulatorHttp.Query("receipt"));
        refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await refused.Content.ReadAsStringAsync()).Should().Contain("token_expired");

        using var accepted = await sim.List(await sim.Token(), SimulatorHttp.Query("receipt"));
        accepted.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_forbidden_application_gets_a_token_but_403_app_forbidden_on_the_api()
    {
        var client = SimulatorHttp.Acme();
        client.Quirks.Forbidden = true;
        await using var sim = await SimulatorHttp.StartAsync(client);

        using var response = await sim.List(await sim.Token(), SimulatorHttp.Query("receipt"));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).Should().Be("""{"fail":[{"code":"app_forbidden","message":"Forbidden to perform the requested operation"}]}""");
    }
}
