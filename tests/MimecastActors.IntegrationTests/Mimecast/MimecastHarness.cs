using System.Collections.Concurrent;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

using MimecastActors.Mimecast;
using MimecastActors.Simulator;
using MimecastActors.Simulator.Mimecast;

namespace MimecastActors.IntegrationTests.Mimecast;

/// <summary>The real Mimecast client, wired as the product wires it, against the simulator on 127.0.0.1.</summary>
internal sealed class MimecastHarness : IAsyncDisposable
{
    public const string ClientId = "acme";
    public const string Secret = "acme-very-secret-value";

    private readonly ServiceProvider _services;

    private MimecastHarness(SimulatorServer server, ServiceProvider services, TimeProvider time, LogCollector logs)
    {
        Server = server;
        _services = services;
        Time = time;
        Logs = logs;
        Reader = services.GetRequiredService<BatchFileReader>();
    }

    public SimulatorServer Server { get; }

    public TimeProvider Time { get; }

    public FakeTimeProvider FakeTime => (FakeTimeProvider)Time;

    public LogCollector Logs { get; }

    public BatchFileReader Reader { get; }

    public SimulatedClient Simulated => Server.Mimecast.Client(ClientId);

    public static ClientScenario Acme(Func<ClientScenario, ClientScenario>? change = null)
    {
        var client = new ClientScenario { ClientId = ClientId, ClientSecret = Secret, EventTypes = ["receipt", "url protect"], BacklogFiles = 5, EventsPerFile = 20 };
        return change is null ? client : change(client);
    }

    /// <param name="fakeTime">Share a fake clock between client and simulator (token expiry); retries then never fire, so keep it for tests without them.</param>
    public static async Task<MimecastHarness> StartAsync(ClientScenario? client = null, bool fakeTime = false, Action<MimecastClientOptions>? options = null)
    {
        TimeProvider time = fakeTime ? new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero)) : TimeProvider.System;
        var server = await SimulatorServer.StartAsync(new Scenario { Seed = 11, Clients = [client ?? Acme()] }, time);
        var logs = new LogCollector();
        var services = new ServiceCollection()
            .AddSingleton(time)
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs))
            .AddMimecastApi(o =>
            {
                o.RetryDelay = TimeSpan.FromMilliseconds(5);
                options?.Invoke(o);
            })
            .BuildServiceProvider();
        return new MimecastHarness(server, services, time, logs);
    }

    public MimecastApiClient Client(string secret = Secret, Uri? baseUrl = null) =>
        _services.GetRequiredService<MimecastClientFactory>().Create(new MimecastCredentials(baseUrl ?? Server.MimecastUrl, ClientId, secret));

    public static async Task<BatchPage> Page(MimecastApiClient client, BatchQuery query)
    {
        var outcome = await client.ListAsync(query, CancellationToken.None);
        return outcome.Should().BeOfType<PageListed>().Subject.Page;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>Keeps every log line written through Microsoft.Extensions.Logging, to check what reaches a log.</summary>
internal sealed class LogCollector : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Collector(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

/// <summary>Collects what a batch file reader hands on.</summary>
internal sealed class CollectingSink : IBatchLineSink
{
    public List<(long Line, string Text)> Events { get; } = [];

    public List<(RejectedLine Rejected, int HeadLength)> Rejected { get; } = [];

    public bool KeepText { get; init; } = true;

    public long Count { get; private set; }

    public ValueTask OnEventAsync(ReadOnlyMemory<byte> line, long lineNumber, CancellationToken cancel)
    {
        Count++;
        if (KeepText)
        {
            Events.Add((lineNumber, System.Text.Encoding.UTF8.GetString(line.Span)));
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask OnRejectedAsync(RejectedLine rejected, ReadOnlyMemory<byte> head, CancellationToken cancel)
    {
        Rejected.Add((rejected, head.Length));
        return ValueTask.CompletedTask;
    }
}
