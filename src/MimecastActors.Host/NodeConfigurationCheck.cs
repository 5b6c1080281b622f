using System.Globalization;
using System.Text.RegularExpressions;

using Microsoft.Extensions.Configuration;

using MimecastActors.Actors;
using MimecastActors.Domain;
using MimecastActors.Mimecast;

namespace MimecastActors.Host;

/// <summary>Reads and checks a node's configuration: every problem is named with its key, all at once, before anything starts.</summary>
public static partial class NodeConfigurationCheck
{
    /// <summary>The address prefix of every node: the ActorSystem is always named <c>mimecast-actors</c>.</summary>
    public const string AddressPrefix = "akka.tcp://mimecast-actors@";

    /// <summary>
    /// Binds the configuration; a value of the wrong type or an unknown key is a problem like any other, not an
    /// exception. Each section and each tenant is bound on its own: the binder silently drops a list element it
    /// cannot convert, which would make a tenant vanish, and it stops at the first error of a section. The other
    /// sections are still checked, so one start names every problem; a section that failed to bind is not, because
    /// its defaults would only add noise (a tenant with no secrets, say).
    /// </summary>
    public static (NodeConfiguration Configuration, IReadOnlyList<string> Problems) Read(IConfiguration configuration)
    {
        var problems = new List<string>();
        var unbound = new List<string>();
        T Bind<T>(IConfigurationSection section, string at)
            where T : new()
        {
            try
            {
                return section.Get<T>(o => o.ErrorOnUnknownConfiguration = true) ?? new T();
            }
            catch (InvalidOperationException e)
            {
                // The binder names the key and the expected type ("Failed to convert configuration value at 'Cluster:Port' …").
                problems.Add($"{at}: {e.Message}");
                unbound.Add(at);
                return new T();
            }
        }

        var node = new NodeConfiguration
        {
            Cluster = Bind<ClusterConfig>(configuration.GetSection(nameof(NodeConfiguration.Cluster)), nameof(NodeConfiguration.Cluster)),
            Admin = Bind<AdminConfig>(configuration.GetSection(nameof(NodeConfiguration.Admin)), nameof(NodeConfiguration.Admin)),
            Persistence = Bind<PersistenceConfig>(configuration.GetSection(nameof(NodeConfiguration.Persistence)), nameof(NodeConfiguration.Persistence)),
            Sharding = Bind<ShardingConfig>(configuration.GetSection(nameof(NodeConfiguration.Sharding)), nameof(NodeConfiguration.Sharding)),
            Forwarding = Bind<ForwardingConfig>(configuration.GetSection(nameof(NodeConfiguration.Forwarding)), nameof(NodeConfiguration.Forwarding)),
            RejectedLines = Bind<RejectedLinesConfig>(configuration.GetSection(nameof(NodeConfiguration.RejectedLines)), nameof(NodeConfiguration.RejectedLines)),
            Retry = Bind<RetryConfig>(configuration.GetSection(nameof(NodeConfiguration.Retry)), nameof(NodeConfiguration.Retry)),
            Secrets = Bind<SecretsConfig>(configuration.GetSection(nameof(NodeConfiguration.Secrets)), nameof(NodeConfiguration.Secrets)),
            Tenants = [.. configuration.GetSection(nameof(NodeConfiguration.Tenants)).GetChildren()
                .OrderBy(t => int.TryParse(t.Key, out var i) ? i : int.MaxValue)
                .Select(t => Bind<TenantConfig>(t, $"Tenants[{t.Key}]"))],
        };
        problems.AddRange(Problems(node).Where(p => !unbound.Any(section => IsAbout(p, section))));
        return (node, problems);
    }

    /// <summary>Problems name their key first: <c>Cluster.Port …</c>, <c>Tenants[1] (acme): …</c>.</summary>
    private static bool IsAbout(string problem, string section) =>
        problem.StartsWith(section, StringComparison.Ordinal) && problem.Length > section.Length && problem[section.Length] is '.' or ' ' or ':';

    public static IReadOnlyList<string> Problems(NodeConfiguration c)
    {
        var problems = new List<string>();
        void Check(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }

        Check(!string.IsNullOrWhiteSpace(c.Cluster.Hostname), "Cluster.Hostname is empty: give the host name or IP other nodes reach this one at.");
        Check(c.Cluster.Port is > 0 and <= 65535, $"Cluster.Port {c.Cluster.Port} is not a TCP port (1-65535).");
        foreach (var seed in c.Cluster.SeedNodes)
        {
            Check(seed.StartsWith(AddressPrefix, StringComparison.Ordinal) && Uri.TryCreate(seed, UriKind.Absolute, out var uri) && uri.Port > 0,
                $"Cluster.SeedNodes: `{seed}` is not a node address like {AddressPrefix}host:4053.");
        }

        Check(c.Cluster.MinimumMembers >= 1, $"Cluster.MinimumMembers {c.Cluster.MinimumMembers} must be at least 1.");
        problems.AddRange(FounderProblems(c.Cluster));
        Check(c.Cluster.StableAfter > TimeSpan.Zero, $"Cluster.StableAfter {c.Cluster.StableAfter} must be positive.");
        Check(c.Cluster.SingletonGrace > TimeSpan.Zero, $"Cluster.SingletonGrace {c.Cluster.SingletonGrace} must be positive.");
        Check(c.Cluster.StatefulSet.Seeds >= 1, $"Cluster.StatefulSet.Seeds {c.Cluster.StatefulSet.Seeds} must be at least 1.");
        Check(!string.IsNullOrWhiteSpace(c.Admin.Urls), "Admin.Urls is empty: give the admin API's address, e.g. http://127.0.0.1:9110.");
        foreach (var url in (c.Admin.Urls ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // Kestrel takes `*` and `+` for any host, which Uri does not; it reads a port it cannot parse as port 80 of every address.
            var asUri = url.Replace("://*", "://any", StringComparison.Ordinal).Replace("://+", "://any", StringComparison.Ordinal);
            Check(Uri.TryCreate(asUri, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps),
                $"Admin.Urls: `{url}` is not an http:// or https:// address, e.g. http://127.0.0.1:9110.");
        }

        Check(IsProvider(c.Persistence.Provider, PersistenceConfig.Sqlite) || IsProvider(c.Persistence.Provider, PersistenceConfig.PostgreSql),
            $"Persistence.Provider `{c.Persistence.Provider}` is unknown: use {PersistenceConfig.Sqlite} or {PersistenceConfig.PostgreSql}.");
        Check(!string.IsNullOrWhiteSpace(c.Persistence.ConnectionString), "Persistence.ConnectionString is empty.");
        if (IsProvider(c.Persistence.Provider, PersistenceConfig.Sqlite) && SqliteJournalFile.Problem(c.Persistence.ConnectionString) is { } sqlite)
        {
            problems.Add(sqlite);
        }

        Check(c.Sharding.Shards >= 1, $"Sharding.Shards {c.Sharding.Shards} must be at least 1 (about ten per expected node).");
        Check(c.Sharding.RebalanceInterval > TimeSpan.Zero, $"Sharding.RebalanceInterval {c.Sharding.RebalanceInterval} must be positive.");
        Check(c.Sharding.EnsureTenantsEvery > TimeSpan.Zero, $"Sharding.EnsureTenantsEvery {c.Sharding.EnsureTenantsEvery} must be positive.");
        Check(c.Forwarding.MaxChunksInFlight >= 1, $"Forwarding.MaxChunksInFlight {c.Forwarding.MaxChunksInFlight} must be at least 1.");
        Check(c.Forwarding.MaxConcurrentIntakeRequests >= 1, $"Forwarding.MaxConcurrentIntakeRequests {c.Forwarding.MaxConcurrentIntakeRequests} must be at least 1.");
        Check(c.Forwarding.MaxConcurrentFileReads >= 1, $"Forwarding.MaxConcurrentFileReads {c.Forwarding.MaxConcurrentFileReads} must be at least 1.");
        Check(c.Forwarding.FileReadIdleTimeout >= TimeSpan.FromSeconds(1), $"Forwarding.FileReadIdleTimeout {c.Forwarding.FileReadIdleTimeout} must be at least one second: a download that pauses briefly is not stalled.");
        Check(!string.IsNullOrWhiteSpace(c.RejectedLines.Folder), "RejectedLines.Folder is empty.");
        Check(c.Retry.MinBackoff > TimeSpan.Zero && c.Retry.MaxBackoff >= c.Retry.MinBackoff,
            $"Retry.MinBackoff {c.Retry.MinBackoff} must be positive and at most Retry.MaxBackoff {c.Retry.MaxBackoff}.");

        var keyProblem = SecretBox.FromBase64(c.Secrets.Key).Problem;
        Check(keyProblem is null,
            $"Secrets.Key {keyProblem}: it seals the secrets of tenants added through the admin API; " +
            "give every node the same base64 256-bit key (e.g. `openssl rand -base64 32`), on Kubernetes from a Secret.");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < c.Tenants.Count; i++)
        {
            var t = c.Tenants[i];
            var at = string.IsNullOrWhiteSpace(t.Id) ? $"Tenants[{i}]" : $"Tenants[{i}] ({t.Id})";
            Check(t.Id.Length == 0 || seen.Add(t.Id), $"{at}: Id `{t.Id}` is used by another tenant.");
            problems.AddRange(TenantProblems(t).Select(problem => $"{at}: {problem}"));
        }

        return problems;
    }

    /// <summary>What is wrong with one tenant (of the configuration file, or given to the admin API), each with its key.</summary>
    public static IReadOnlyList<string> TenantProblems(TenantConfig t)
    {
        var problems = new List<string>();
        void Check(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }

        Check(TenantId().IsMatch(t.Id), $"Id `{t.Id}` must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        Check(IsWebAddress(t.Mimecast.BaseUrl), $"Mimecast.BaseUrl `{t.Mimecast.BaseUrl}` is not an http(s) address.");
        Check(!string.IsNullOrWhiteSpace(t.Mimecast.ClientId), "Mimecast.ClientId is missing.");
        Check(!string.IsNullOrWhiteSpace(t.Mimecast.ClientSecret), "Mimecast.ClientSecret is missing.");
        foreach (var type in t.Mimecast.EventTypes.Where(type => !StreamDefinition.AllTypes.Contains(type)))
        {
            Check(false, $"Mimecast.EventTypes: `{type}` is not a SIEM event type ({string.Join(", ", StreamDefinition.AllTypes)}).");
        }

        Check(t.Mimecast.EventTypes.Distinct(StringComparer.Ordinal).Count() == t.Mimecast.EventTypes.Count, "Mimecast.EventTypes lists a type twice.");
        Check(t.Mimecast.PageSize is >= 1 and <= 100, $"Mimecast.PageSize {t.Mimecast.PageSize} must be between 1 and 100.");
        // Upper bounds too: a time span near its maximum overflows the dates the puller computes from it.
        Check(t.Mimecast.PollInterval > TimeSpan.Zero && t.Mimecast.PollInterval <= LongestPollInterval,
            $"Mimecast.PollInterval {t.Mimecast.PollInterval} must be positive and at most {LongestPollInterval.TotalHours:N0} hours.");
        Check(t.Mimecast.RateLimit.Calls >= 3, $"Mimecast.RateLimit.Calls {t.Mimecast.RateLimit.Calls} must be at least 3 (a listing may cost two calls).");
        Check(t.Mimecast.RateLimit.Window > TimeSpan.Zero && t.Mimecast.RateLimit.Window <= LongestRateLimitWindow,
            $"Mimecast.RateLimit.Window {t.Mimecast.RateLimit.Window} must be positive and at most {LongestRateLimitWindow.TotalDays:N0} days.");
        Check(IsWebAddress(t.Intake.Url), $"Intake.Url `{t.Intake.Url}` is not an http(s) address.");
        Check(!string.IsNullOrWhiteSpace(t.Intake.IntakeKey), "Intake.IntakeKey is missing.");

        return problems;
    }

    private static readonly TimeSpan LongestPollInterval = TimeSpan.FromDays(1);
    private static readonly TimeSpan LongestRateLimitWindow = TimeSpan.FromDays(7);

    /// <summary>A checked tenant as its puller sees it: settings for the journal (secrets as fingerprints), secrets in memory.</summary>
    public static TenantConfiguration ToTenant(TenantConfig t)
    {
        var types = t.Mimecast.EventTypes.Count == 0 ? StreamDefinition.AllTypes : t.Mimecast.EventTypes;
        var settings = new TenantSettings(
            t.Id, t.Mimecast.BaseUrl, t.Mimecast.ClientId, TenantSettings.Fingerprint(t.Mimecast.ClientSecret),
            StreamDefinition.Plan(types, t.Mimecast.GroupEventTypes), t.Mimecast.PageSize, t.Mimecast.PollInterval,
            new RateLimitPolicy(t.Mimecast.RateLimit.Calls, t.Mimecast.RateLimit.Window), t.Intake.Url, TenantSettings.Fingerprint(t.Intake.IntakeKey));
        return new TenantConfiguration(settings, new MimecastCredentials(t.Mimecast.BaseUrl, t.Mimecast.ClientId, t.Mimecast.ClientSecret), t.Intake.IntakeKey);
    }

    /// <summary>The seeds: as configured, else the StatefulSet's first pods, else the node itself (a cluster of one, or its first node).</summary>
    public static IReadOnlyList<string> SeedNodes(ClusterConfig cluster)
    {
        if (cluster.SeedNodes.Count > 0)
        {
            return cluster.SeedNodes;
        }

        var pods = cluster.StatefulSet.SeedNodes(cluster.Port);
        return pods.Count > 0 ? pods : [$"{AddressPrefix}{cluster.Hostname}:{cluster.Port}"];
    }

    /// <summary>
    /// With MinimumMembers above 1 the first members wait in Joining, and the one with the lowest address (host, then
    /// port) is the leader that moves them Up. Every node joins the cluster the first seed founded, so if the first seed
    /// has the lowest address, every node sees the same leader. If not, two nodes can lead at once before their views
    /// meet: the oldest member then changes after the singletons started, and Akka's singleton manager on the node that
    /// handed them over never hosts them again, so when the new oldest is lost, no node runs the shard coordinator or
    /// the tenant registry, and the lost node's tenants stay stopped. Each node checks the seeds and itself.
    /// </summary>
    private static IEnumerable<string> FounderProblems(ClusterConfig cluster)
    {
        var seeds = SeedNodes(cluster).Select(seed => (Seed: seed, Address: HostAndPort(seed))).ToList();
        if (cluster.MinimumMembers <= 1 || seeds[0].Address is not { } founder)
        {
            yield break;
        }

        var rule = $"with MinimumMembers {cluster.MinimumMembers} the first seed founds the cluster and must have the lowest address " +
            "(host, then port) of all nodes, or two nodes can lead its formation at once and a node lost later leave its tenants stopped";
        foreach (var (seed, address) in seeds.Skip(1))
        {
            if (address is { } other && SortsBefore(other, founder))
            {
                yield return $"Cluster.SeedNodes: `{seed}` sorts before the first seed `{seeds[0].Seed}`; {rule}. List the lowest address first (a StatefulSet's pod 0 is).";
            }
        }

        if (SortsBefore((cluster.Hostname, cluster.Port), founder))
        {
            yield return $"Cluster.Hostname and Cluster.Port: this node ({cluster.Hostname}:{cluster.Port}) sorts before the first seed `{seeds[0].Seed}`; {rule}. " +
                "Make the lowest address the first seed.";
        }
    }

    /// <summary>Akka's order of addresses: the host (ordinal), then the port.</summary>
    private static bool SortsBefore((string Host, int Port) a, (string Host, int Port) b) =>
        string.CompareOrdinal(a.Host, b.Host) is var byHost && (byHost < 0 || (byHost == 0 && a.Port < b.Port));

    private static (string Host, int Port)? HostAndPort(string seed)
    {
        var at = seed.StartsWith(AddressPrefix, StringComparison.Ordinal) ? seed[AddressPrefix.Length..] : null;
        var colon = at?.LastIndexOf(':') ?? -1;
        return colon > 0 && int.TryParse(at![(colon + 1)..], CultureInfo.InvariantCulture, out var port) ? (at[..colon], port) : null;
    }

    public static bool IsProvider(string configured, string provider) => string.Equals(configured, provider, StringComparison.OrdinalIgnoreCase);

    private static bool IsWebAddress(Uri? uri) => uri is { IsAbsoluteUri: true } && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    // \z, not $: $ also matches before a final newline, which would let "acme\n" into persistence ids and file names.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z")]
    private static partial Regex TenantId();
}
