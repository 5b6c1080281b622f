using Microsoft.Extensions.Configuration;

using MimecastActors.Actors;
using MimecastActors.Domain;
using MimecastActors.Host;

namespace MimecastActors.Tests.Host;

public sealed class NodeConfigurationCheckTests
{
    private static readonly string Key = SecretBox.NewKey();

    /// <summary>The given settings, with a valid Secrets.Key unless they give one.</summary>
    private static IConfiguration Settings(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(
            (pairs.Any(p => p.Key == "Secrets:Key") ? pairs : [("Secrets:Key", Key), .. pairs])
            .Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    private static (string, string)[] Acme(int index = 0, string id = "acme") =>
    [
        ($"Tenants:{index}:Id", id),
        ($"Tenants:{index}:Mimecast:ClientId", "client"),
        ($"Tenants:{index}:Mimecast:ClientSecret", "secret"),
        ($"Tenants:{index}:Intake:IntakeKey", "key"),
    ];

    [Fact]
    public void A_minimal_tenant_gets_the_documented_defaults()
    {
        var (node, problems) = NodeConfigurationCheck.Read(Settings(Acme()));

        problems.Should().BeEmpty();
        node.Cluster.Port.Should().Be(4053);
        node.Persistence.Provider.Should().Be("Sqlite");
        node.Persistence.ConnectionString.Should().Be("Data Source=data/mimecast-actors.db");
        var tenant = NodeConfigurationCheck.ToTenant(node.Tenants.Single());
        tenant.Settings.Streams.Select(s => s.Key).Should().Equal(StreamDefinition.AllTypes);
        tenant.Settings.PageSize.Should().Be(100);
        tenant.Settings.PollInterval.Should().Be(TimeSpan.FromMinutes(8));
        tenant.Settings.RateLimit.Should().Be(new RateLimitPolicy(50, TimeSpan.FromMinutes(15)));
        tenant.Settings.MimecastBaseUrl.Should().Be(new Uri("https://api.services.mimecast.com"));
        tenant.Settings.IntakeUrl.Should().Be(new Uri("https://intake.sekoia.io"));
    }

    [Fact]
    public void Grouped_types_make_one_stream_fetched_with_a_comma_separated_type()
    {
        var (node, _) = NodeConfigurationCheck.Read(Settings([.. Acme(), ("Tenants:0:Mimecast:EventTypes:0", "receipt"), ("Tenants:0:Mimecast:EventTypes:1", "url protect"), ("Tenants:0:Mimecast:GroupEventTypes", "true")]));

        NodeConfigurationCheck.ToTenant(node.Tenants.Single()).Settings.Streams.Should().ContainSingle().Which.Key.Should().Be("receipt,url protect");
    }

    [Theory]
    [InlineData("acme\n")]
    [InlineData("acme\r\n")]
    [InlineData("-acme")]
    [InlineData("")]
    public void A_tenant_id_with_a_character_outside_the_allowed_set_is_refused(string id)
    {
        var tenant = new TenantConfig { Id = id, Mimecast = new MimecastConfig { ClientId = "client", ClientSecret = "secret" }, Intake = new IntakeConfig { IntakeKey = "key" } };

        NodeConfigurationCheck.TenantProblems(tenant).Should().ContainSingle().Which.Should().StartWith($"Id `{id}` must be 1-64 letters");
    }

    [Fact]
    public void Every_problem_is_named_with_its_key_at_once()
    {
        var (_, problems) = NodeConfigurationCheck.Read(Settings(
            [.. Acme(), .. Acme(1), ("Tenants:1:Mimecast:PageSize", "500"), ("Tenants:1:Mimecast:EventTypes:0", "recept"),
             ("Tenants:2:Id", "no secrets"), ("Persistence:Provider", "Oracle"), ("Cluster:SeedNodes:0", "tcp://elsewhere")]));

        problems.Should().Contain(p => p.Contains("Tenants[1] (acme): Id `acme` is used by another tenant", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("Mimecast.PageSize 500 must be between 1 and 100", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("`recept` is not a SIEM event type", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("Tenants[2] (no secrets): Id `no secrets` must be", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("Tenants[2] (no secrets): Mimecast.ClientSecret is missing", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("Tenants[2] (no secrets): Intake.IntakeKey is missing", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("Persistence.Provider `Oracle` is unknown", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("`tcp://elsewhere` is not a node address", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10.0.0.5", 4053, "10.0.0.5:4053,10.0.0.3:4053", 2, "Cluster.SeedNodes: `akka.tcp://mimecast-actors@10.0.0.3:4053` sorts before the first seed")]
    [InlineData("10.0.0.5", 4054, "10.0.0.5:4054,10.0.0.5:4053", 2, "Cluster.SeedNodes: `akka.tcp://mimecast-actors@10.0.0.5:4053` sorts before the first seed")]
    [InlineData("10.0.0.2", 4053, "10.0.0.5:4053", 3, "Cluster.Hostname and Cluster.Port: this node (10.0.0.2:4053) sorts before the first seed")]
    [InlineData("10.0.0.2", 4053, "10.0.0.5:4053,10.0.0.3:4053", 1, null)]
    [InlineData("10.0.0.7", 4053, "10.0.0.5:4053,10.0.0.6:4053", 2, null)]
    [InlineData("10.0.0.5", 4053, "10.0.0.5:4053,10.0.0.5:4054", 2, null)]
    public void With_minimum_members_the_first_seed_must_have_the_lowest_address(string hostname, int port, string seeds, int minimumMembers, string? problem)
    {
        var seedSettings = seeds.Split(',').Select((seed, i) => ($"Cluster:SeedNodes:{i}", $"{NodeConfigurationCheck.AddressPrefix}{seed}"));
        var (_, problems) = NodeConfigurationCheck.Read(Settings(
            [.. Acme(), ("Cluster:Hostname", hostname), ("Cluster:Port", $"{port}"), ("Cluster:MinimumMembers", $"{minimumMembers}"), .. seedSettings]));

        if (problem is null)
        {
            problems.Should().BeEmpty();
        }
        else
        {
            problems.Should().ContainSingle().Which.Should().StartWith(problem).And.Contain("must have the lowest address");
        }
    }

    [Theory]
    [InlineData("mimecast-actors-0")]
    [InlineData("mimecast-actors-1")]
    [InlineData("mimecast-actors-12")]
    public void Every_pod_of_a_stateful_set_sorts_after_pod_0_the_first_seed(string pod)
    {
        var (node, problems) = NodeConfigurationCheck.Read(Settings(
            [.. Acme(), ("Cluster:Hostname", $"{pod}.mimecast-actors.prod.svc.cluster.local"), ("Cluster:MinimumMembers", "3"),
             ("Cluster:StatefulSet:Name", "mimecast-actors"), ("Cluster:StatefulSet:Namespace", "prod"), ("Cluster:StatefulSet:Seeds", "11")]));

        problems.Should().BeEmpty();
        NodeConfigurationCheck.SeedNodes(node.Cluster)[0].Should().Be("akka.tcp://mimecast-actors@mimecast-actors-0.mimecast-actors.prod.svc.cluster.local:4053");
    }

    [Theory]
    [InlineData("Data Source=node.db;Cache=Shared", "Cache=Shared is not supported")]
    [InlineData("Data Sorce=node.db", "is not a SQLite connection string")]
    public void A_sqlite_connection_string_the_journal_cannot_use_is_a_problem(string connectionString, string problem)
    {
        var (_, problems) = NodeConfigurationCheck.Read(Settings([.. Acme(), ("Persistence:ConnectionString", connectionString)]));

        problems.Should().ContainSingle().Which.Should().Contain(problem).And.StartWith("Persistence.ConnectionString");
    }

    [Theory]
    [InlineData("Tenants:0:Mimecast:PollInterval", "10675199.02:48:05", "Mimecast.PollInterval 10675199.02:48:05 must be positive and at most 24 hours")]
    [InlineData("Tenants:0:Mimecast:RateLimit:Window", "30.00:00:00", "Mimecast.RateLimit.Window 30.00:00:00 must be positive and at most 7 days")]
    public void A_time_span_beyond_its_bound_is_a_problem_not_an_overflow_later(string key, string value, string problem)
    {
        var (_, problems) = NodeConfigurationCheck.Read(Settings([.. Acme(), (key, value)]));

        problems.Should().ContainSingle().Which.Should().Contain(problem);
    }

    [Fact]
    public void A_file_read_idle_timeout_under_a_second_is_a_problem()
    {
        var (_, problems) = NodeConfigurationCheck.Read(Settings([.. Acme(), ("Forwarding:FileReadIdleTimeout", "00:00:00.200")]));

        problems.Should().ContainSingle().Which.Should().StartWith("Forwarding.FileReadIdleTimeout 00:00:00.2000000 must be at least one second");
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_a_problem_and_never_makes_a_tenant_vanish()
    {
        var (_, problems) = NodeConfigurationCheck.Read(Settings(
            [.. Acme(), .. Acme(1, "globex"), ("Tenants:0:Mimecast:PollInterval", "8 minutes"), ("Cluster:Port", "four"),
             ("Tenants:1:Mimecast:PageSize", "500"), ("Forwarding:MaxChunksInFlight", "0")]));

        problems.Should().Contain(p => p.StartsWith("Tenants[0]:", StringComparison.Ordinal) && p.Contains("PollInterval", StringComparison.Ordinal));
        problems.Should().Contain(p => p.StartsWith("Cluster:", StringComparison.Ordinal) && p.Contains("Port", StringComparison.Ordinal));
        problems.Should().Contain(p => p.StartsWith("Tenants[1] (globex): Mimecast.PageSize 500", StringComparison.Ordinal), "the sections that did bind are still checked");
        problems.Should().Contain(p => p.StartsWith("Forwarding.MaxChunksInFlight 0", StringComparison.Ordinal));
        problems.Should().HaveCount(4, "the defaults that stand in for the sections that did not bind add no problem of their own");
    }

    [Theory]
    [InlineData("", "Secrets.Key is missing")]
    [InlineData("c2hvcnQ=", "Secrets.Key is not a base64 256-bit key")]
    [InlineData("not base64 at all!", "Secrets.Key is not a base64 256-bit key")]
    public void A_node_without_a_usable_secrets_key_does_not_start(string key, string problem)
    {
        var (_, problems) = NodeConfigurationCheck.Read(Settings([.. Acme(), ("Secrets:Key", key)]));

        problems.Should().ContainSingle().Which.Should().StartWith(problem).And.Contain("openssl rand -base64 32").And.NotContain(key.Length > 0 ? key : "\0");
    }

    [Theory]
    [InlineData("127.0.0.1:9110")]
    [InlineData("http://127.0.0.1:9110;localhost:9111")]
    [InlineData("ftp://127.0.0.1:9110")]
    [InlineData("http://127.0.0.1:abc")]
    public void An_admin_address_without_an_http_scheme_is_a_problem_not_a_crash_at_start(string urls)
    {
        var (_, problems) = NodeConfigurationCheck.Read(Settings([.. Acme(), ("Admin:Urls", urls)]));

        problems.Should().ContainSingle().Which.Should().StartWith("Admin.Urls: `").And.Contain("http://127.0.0.1:9110");
    }

    [Theory]
    [InlineData("http://127.0.0.1:9110")]
    [InlineData("http://0.0.0.0:9110; https://*:9443")]
    [InlineData("HTTP://+:9110")]
    public void Admin_addresses_as_kestrel_takes_them_are_accepted(string urls) =>
        NodeConfigurationCheck.Read(Settings([.. Acme(), ("Admin:Urls", urls)])).Problems.Should().BeEmpty();

    [Fact]
    public void Configured_roles_replace_the_default_role_rather_than_add_to_it()
    {
        NodeConfigurationCheck.Read(Settings(Acme())).Configuration.Cluster.RolesOrDefault.Should().Equal("puller");
        NodeConfigurationCheck.Read(Settings([.. Acme(), ("Cluster:Roles:0", "api")])).Configuration.Cluster.RolesOrDefault.Should().Equal("api");
    }

    [Fact]
    public void A_misspelt_key_is_a_problem_not_a_silently_ignored_setting()
    {
        var (_, problems) = NodeConfigurationCheck.Read(Settings([.. Acme(), ("Tenants:0:Mimecast:ClientSecrte", "x")]));

        problems.Should().ContainSingle().Which.Should().Contain("ClientSecrte");
    }

    [Fact]
    public void Secrets_become_fingerprints_in_what_the_journal_keeps()
    {
        var (node, _) = NodeConfigurationCheck.Read(Settings(Acme()));

        var tenant = NodeConfigurationCheck.ToTenant(node.Tenants.Single());
        System.Text.Json.JsonSerializer.Serialize(tenant.Settings).Should().NotContain("secret\"").And.NotContain("\"key\"");
        tenant.ToString().Should().NotContain("secret").And.NotContain("key\"");
        tenant.Settings.ClientSecretFingerprint.Should().Be(TenantSettings.Fingerprint("secret"));
    }
}

public sealed class TenantProgressTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_line_says_events_rate_lag_budget_and_trouble()
    {
        var status = new TenantProtocol.Status("acme", true, null, 38, null,
            [new TenantProtocol.StreamStatus("receipt", "c", false, true, Now.AddMinutes(-3).AddSeconds(-5), 2), new TenantProtocol.StreamStatus("av", "c", true, false, Now.AddSeconds(-20), 0)],
            15_000, 2, "intake 503");

        var line = TenantProgress.Line(status, Now, before: 5_000, since: TimeSpan.FromSeconds(5), budget: 50);

        line.Should().Contain("15,000 events forwarded").And.Contain("2,000/s").And.Contain("lag 3m05s").And.Contain("calls  12/50")
            .And.Contain("2 lines set aside").And.Contain("last error: intake 503");
    }

    [Fact]
    public void A_paused_tenant_says_why_and_a_caught_up_one_says_so()
    {
        var caughtUp = new TenantProtocol.StreamStatus("receipt", "c", true, false, Now.AddHours(-2), 1);
        var paused = new TenantProtocol.Status("acme", true, "Mimecast rejected the client credentials", 50, null, [caughtUp], 0, 0, null);

        TenantProgress.Line(paused, Now, 0, TimeSpan.FromSeconds(5), 50).Should().Contain("lag caught up").And.EndWith("PAUSED: Mimecast rejected the client credentials");
        TenantProgress.Lag(paused with { Streams = [caughtUp with { CaughtUp = false }] }, Now).Should().Be("2h00m");
        TenantProgress.Lag(paused with { Streams = [] }, Now).Should().Be("starting");
    }
}
