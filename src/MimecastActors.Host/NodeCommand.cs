using Akka.Hosting;

using MimecastActors.Actors;

namespace MimecastActors.Host;

/// <summary>Starts a node from standard .NET configuration, refuses a bad one with every problem named, and runs until stopped.</summary>
public static class NodeCommand
{
    /// <param name="args">What is left of the command line: <c>--Key:Sub=value</c> settings.</param>
    /// <param name="file">A JSON configuration file (<c>--config</c>), over appsettings.json and under environment variables and the command line.</param>
    /// <param name="defaults">The demo's settings: the node then runs on them and the command line only (<see cref="UseOnly"/>).</param>
    /// <param name="alongside">Work to run while the node is up (the demo's progress lines); it is cancelled when the node stops.</param>
    /// <summary>
    /// The configuration is <paramref name="settings"/> under the command line, and nothing else: a demo started where a
    /// real node runs must not take that node's appsettings.json or environment (its journal, its tenants and their
    /// secrets would join a demo that deletes its journal at start and sends to a simulated intake).
    /// </summary>
    public static void UseOnly(ConfigurationManager configuration, IReadOnlyDictionary<string, string?> settings, string[] args)
    {
        configuration.Sources.Clear();
        configuration.AddInMemoryCollection(settings).AddCommandLine(args);
    }

    /// <summary>Akka's start wraps what failed in one aggregate per layer: the failure is the innermost one.</summary>
    private static Exception Cause(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } wrapped ? Cause(wrapped.InnerExceptions[0]) : e;

    public static async Task<int> RunAsync(
        string[] args, FileInfo? file, IReadOnlyDictionary<string, string?>? defaults, TimeSpan? duration,
        Func<WebApplication, CancellationToken, Task>? alongside = null)
    {
        var builder = MimecastNode.CreateBuilder(args, Directory.GetCurrentDirectory());
        if (defaults is not null)
        {
            UseOnly(builder.Configuration, defaults, args);
        }

        if (file is not null)
        {
            if (!file.Exists)
            {
                await Console.Error.WriteLineAsync($"mimecast-actors: the configuration file {file.FullName} does not exist.");
                return 2;
            }

            // Over appsettings.json, under the environment and the command line, as for any .NET application.
            builder.Configuration.AddJsonFile(file.FullName, optional: false).AddEnvironmentVariables().AddCommandLine(args);
        }

        var (node, problems) = NodeConfigurationCheck.Read(builder.Configuration);
        if (problems.Count > 0)
        {
            await Console.Error.WriteLineAsync($"mimecast-actors: the configuration has {problems.Count} problem(s); the node does not start:");
            foreach (var problem in problems)
            {
                await Console.Error.WriteLineAsync($"  - {problem}");
            }

            return 2;
        }

        if (node.Tenants.Count == 0)
        {
            await Console.Error.WriteLineAsync("mimecast-actors: no tenant in the configuration (Tenants); the node runs those added through the admin API (mimecastctl tenant add).");
        }

        WebApplication built;
        try
        {
            built = MimecastNode.Build(builder, node);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            // The SQLite file or its folder cannot be created or opened.
            await Console.Error.WriteLineAsync($"mimecast-actors: the node could not start: {e.Message}");
            return 1;
        }

        await using var app = built;
        try
        {
            await app.StartAsync();
        }
        // FormatException: an admin address Kestrel cannot parse (`http://127.0.0.1:port`) gets past the configuration check.
        catch (Exception e) when (Cause(e) is IOException or InvalidOperationException or FormatException or System.Net.Sockets.SocketException
                                      or System.Data.Common.DbException or Akka.Remote.RemoteTransportException)
        {
            var why = Cause(e) is Akka.Remote.RemoteTransportException { InnerException: { } inner }
                ? $"Cluster.Port {node.Cluster.Port} on {node.Cluster.BindHostname ?? node.Cluster.Hostname} cannot be bound: {inner.Message}"
                : Cause(e).Message;
            await Console.Error.WriteLineAsync($"mimecast-actors: the node could not start: {why}");
            return 1;
        }

        // Said once, plainly: with port 0 (tests, several nodes on one machine) this is the only way to know it.
        Console.WriteLine($"mimecast-actors: admin API on {string.Join(", ", app.Urls)}");

        using var stop = duration is { } d ? new CancellationTokenSource(d) : new CancellationTokenSource();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, app.Lifetime.ApplicationStopping);
        var side = alongside?.Invoke(app, stopping.Token) ?? Task.CompletedTask;

        // Ctrl-C and SIGTERM stop the host, which runs CoordinatedShutdown: shards hand off and the node leaves the cluster.
        await app.WaitForShutdownAsync(stop.Token);
        await stopping.CancelAsync();
        await side;
        return 0;
    }

    /// <summary>The tenant region of a running node.</summary>
    public static Task<Akka.Actor.IActorRef> TenantRegion(this WebApplication app, CancellationToken cancel) =>
        app.Services.GetRequiredService<ActorRegistry>().GetAsync<TenantRegion>(cancel);
}
