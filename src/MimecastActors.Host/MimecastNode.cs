using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Logger.Serilog;
using Akka.Persistence.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;

using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

using MimecastActors.Actors;
using MimecastActors.Domain;
using MimecastActors.Mimecast;
using MimecastActors.Sekoia;

using OpenTelemetry.Metrics;

using Serilog;

namespace MimecastActors.Host;

/// <summary>Builds a node: HTTP clients, the ActorSystem with clustering, persistence and the tenant region, and the configured tenants.</summary>
public static class MimecastNode
{
    public const string SystemName = "mimecast-actors";

    /// <summary>Health check tags: `live` (the ActorSystem runs, the oldest member hosts the singletons) and `ready` (member Up, journal reachable).</summary>
    public const string Live = "live";

    public const string Ready = "ready";

    /// <summary>The file next to the binary; applied last so that an operator's setting wins over the builder's.</summary>
    public static string HoconPath => Path.Combine(AppContext.BaseDirectory, "akka.hocon");

    /// <summary>
    /// The host builder of a node: standard .NET configuration, read once. Watching appsettings.json for changes
    /// put a recursive file watcher on the content root, the node's working folder, which holds the SQLite journal
    /// and the rejected lines: every journal write woke it (4 % of the node's CPU in the 100-tenant bench).
    /// </summary>
    /// <param name="args">Command-line settings (<c>--Key:Sub=value</c>).</param>
    /// <param name="contentRoot">Where appsettings.json is looked for.</param>
    public static WebApplicationBuilder CreateBuilder(string[] args, string contentRoot) =>
        WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false", .. args],
            ContentRootPath = contentRoot,
        });

    public static WebApplication Build(WebApplicationBuilder builder, NodeConfiguration node)
    {
        builder.WebHost.UseUrls(node.Admin.Urls);
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true); // see AdminApi
        var ring = new LogRing();
        builder.Services.AddSerilog((services, logs) => logs.ReadFrom.Configuration(builder.Configuration).WriteTo.Sink(ring).WriteTo.Console(
            outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}")
            .MinimumLevel.Override("System.Net.Http.HttpClient", Serilog.Events.LogEventLevel.Warning) // request lines carry pre-signed URLs
            .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Extensions.Http.Resilience", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Polly", Serilog.Events.LogEventLevel.Warning));

        var tenants = new StaticTenantDirectory(node.Tenants.Select(NodeConfigurationCheck.ToTenant));
        var secrets = SecretBox.FromBase64(node.Secrets.Key).Box ?? throw new InvalidOperationException("Secrets.Key is checked before a node is built");
        builder.Services.AddSingleton(tenants);
        // Each node says who it is in its User-Agent, so the API's call log shows where a tenant pulled from.
        builder.Services.AddMimecastApi(o => (o.RetryDelay, o.UserAgent, o.BlobIdleTimeout) =
            (node.Retry.MinBackoff, $"MimecastActors/1.0 (node {node.Cluster.Hostname}:{node.Cluster.Port})", node.Forwarding.FileReadIdleTimeout));
        builder.Services.AddSekoiaIntake(o => (o.RetryDelay, o.MaxRetryDelay, o.MaxConcurrentRequests) =
            (node.Retry.MinBackoff, node.Retry.MaxBackoff, node.Forwarding.MaxConcurrentIntakeRequests));
        builder.Services.AddSingleton(sp => new PullerServices(
            tenants,
            secrets,
            sp.GetRequiredService<MimecastClientFactory>(),
            sp.GetRequiredService<BatchFileReader>(),
            sp.GetRequiredService<SekoiaIntakeClientFactory>(),
            new RejectedLineFiles(node.RejectedLines.Folder),
            new SemaphoreSlim(node.Forwarding.MaxConcurrentFileReads),
            TimeProvider.System,
            PullerSettings.Default with
            {
                MinBackoff = node.Retry.MinBackoff,
                MaxBackoff = node.Retry.MaxBackoff,
                Forwarder = new ForwarderSettings(node.Forwarding.MaxChunksInFlight, node.Retry.MinBackoff, node.Retry.MaxBackoff),
            }));

        builder.Services.AddAkka(SystemName, (akka, sp) => Configure(akka, node, sp.GetRequiredService<PullerServices>(), tenants));

        // OpenTelemetry keeps counters as counters (prometheus-net's meter adapter turns them into gauges that expire).
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(PullerMetrics.MeterName).AddPrometheusExporter());
        builder.Services.AddHealthChecks().AddCheck("journal", new JournalReachable(node.Persistence), HealthStatus.Unhealthy, [Ready]);
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapAdminApi(node, tenants, secrets, ring);
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Live), ResponseWriter = HealthReportJson.WriteAsync });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready), ResponseWriter = HealthReportJson.WriteAsync });
        return app;
    }

    private static void Configure(AkkaConfigurationBuilder akka, NodeConfiguration node, PullerServices services, StaticTenantDirectory tenants)
    {
        akka.ConfigureLoggers(logs =>
            {
                logs.ClearLoggers();
                logs.AddLogger<SerilogLogger>();
            })
            .WithRemoting(node.Cluster.BindHostname ?? node.Cluster.Hostname, node.Cluster.Port, publicHostname: node.Cluster.Hostname)
            .WithClustering(new ClusterOptions
            {
                SeedNodes = [.. NodeConfigurationCheck.SeedNodes(node.Cluster)],
                Roles = [.. node.Cluster.RolesOrDefault],
                MinimumNumberOfMembers = node.Cluster.MinimumMembers,
            })
            .AddHocon(
                $"akka.cluster.split-brain-resolver.stable-after = {(long)node.Cluster.StableAfter.TotalMilliseconds}ms\n" +
                $"akka.cluster.sharding.rebalance-interval = {(long)node.Sharding.RebalanceInterval.TotalMilliseconds}ms",
                HoconAddMode.Prepend)
            .WithCustomSerializer(TenantSerializer.Name, TenantSerializer.BoundTypes, system => new TenantSerializer(system))
            .WithStrictSerialization(true)
            .WithActorSystemLivenessCheck(tags: [Live])
            .WithHealthCheck("singletons", new SingletonHosting(node.Cluster.SingletonGrace, TimeProvider.System).CheckAsync, HealthStatus.Unhealthy, [Live])
            .WithAkkaClusterReadinessCheck(tags: [Ready]);
        akka.WithNodeJournal(node.Persistence);
        akka.WithTenantSharding(tenant => TenantPuller.Props(tenant, services), node.Sharding.Shards, role: null)
            .WithTenantRegistry(node.Sharding.EnsureTenantsEvery, role: null)
            .AddStartup((system, registry) =>
            {
                // The configured tenants are created or updated, and kept running somewhere in the cluster; tenants
                // remembered but no longer configured find no configuration and stop (their journal is kept).
                system.ActorOf(TenantKeeper.Props(registry.Get<TenantRegion>(), [.. tenants.TenantIds], node.Sharding.EnsureTenantsEvery), "tenant-keeper");
            })
            .AddHoconFile(HoconPath, HoconAddMode.Prepend);
    }

    // The journal's default clones a connection per operation, and a clone gets a mapping schema of its own, which
    // linq2db's query and mapping caches do not recognise: every recovery and every write built its query anew. A new
    // connection from the plugin's options reuses the schema linq2db saved in them.
    private const string NewConnectionPerOperation = "akka.persistence.journal.sql.use-clone-connection = off";

    /// <summary>The journal and snapshot store of a node (public for the journal benchmark, which measures this very setup).</summary>
    public static AkkaConfigurationBuilder WithNodeJournal(this AkkaConfigurationBuilder akka, PersistenceConfig persistence)
    {
        if (NodeConfigurationCheck.IsProvider(persistence.Provider, PersistenceConfig.PostgreSql))
        {
            akka.WithSqlPersistence(persistence.ConnectionString, LinqToDB.ProviderName.PostgreSQL15, PersistenceMode.Both, autoInitialize: true);
        }
        else
        {
            // SQLite has one writer, so the journal writes one batch at a time. Given options instead of a provider
            // name, the plugin does not know the dialect: without it, it creates its tables without their indexes, the
            // unique one on (persistence_id, sequence_number) too, which keeps two incarnations of a tenant from
            // writing the same sequence number, and which every recovery reads by. Reads are read-uncommitted: see
            // SqliteJournalFile.ReadIsolationLevel.
            SqliteJournalFile.Prepare(persistence.ConnectionString);
            akka.WithSqlPersistence(SqliteJournalFile.DataOptions(persistence.ConnectionString), PersistenceMode.Both, autoInitialize: true)
                .AddHocon(
                    $"""
                    akka.persistence.journal.sql.parallelism = 1
                    akka.persistence.journal.sql.provider-name = "{LinqToDB.ProviderName.SQLiteMS}"
                    akka.persistence.journal.sql.read-isolation-level = {SqliteJournalFile.ReadIsolationLevel}
                    akka.persistence.snapshot-store.sql.provider-name = "{LinqToDB.ProviderName.SQLiteMS}"
                    akka.persistence.snapshot-store.sql.read-isolation-level = {SqliteJournalFile.ReadIsolationLevel}
                    """,
                    HoconAddMode.Prepend);
        }

        return akka.AddHocon(NewConnectionPerOperation, HoconAddMode.Prepend);
    }
}
