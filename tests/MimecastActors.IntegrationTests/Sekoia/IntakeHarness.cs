using System.Text;

using Microsoft.Extensions.DependencyInjection;

using MimecastActors.Sekoia;
using MimecastActors.Simulator;
using MimecastActors.Simulator.Intake;
using MimecastActors.Simulator.Mimecast;

namespace MimecastActors.IntegrationTests.Sekoia;

/// <summary>The simulator's intake on 127.0.0.1 and a real intake client for it, with millisecond retry delays.</summary>
internal sealed class IntakeHarness : IAsyncDisposable
{
    public const string Key = "tenant-intake-key";

    private readonly ServiceProvider _services;

    private IntakeHarness(SimulatorServer server, ServiceProvider services)
    {
        Server = server;
        _services = services;
        Client = ClientFor(server.IntakeUrl, Key);
    }

    public SimulatorServer Server { get; }

    public SekoiaIntakeClient Client { get; }

    public IntakeRecord Record => Server.Intake.Record(Key);

    public static async Task<IntakeHarness> StartAsync(Action<SekoiaIntakeOptions>? configure = null, IntakeScenario? intake = null)
    {
        var server = await SimulatorServer.StartAsync(new Scenario { IntakeKeys = [Key], Intake = intake ?? new IntakeScenario() });
        var services = new ServiceCollection().AddSekoiaIntake(o =>
        {
            o.MaxRetryAttempts = 3;
            o.RetryDelay = TimeSpan.FromMilliseconds(5);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(50);
            o.AttemptTimeout = TimeSpan.FromSeconds(10);
            o.TotalTimeout = TimeSpan.FromSeconds(30);
            configure?.Invoke(o);
        }).BuildServiceProvider();
        return new IntakeHarness(server, services);
    }

    public SekoiaIntakeClient ClientFor(Uri intakeUrl, string intakeKey) =>
        _services.GetRequiredService<SekoiaIntakeClientFactory>().Create(intakeUrl, intakeKey);

    /// <summary>An identified event with text that needs escaping; <paramref name="pad"/> characters make it bigger.</summary>
    public static byte[] Event(string id, int pad = 0) => Encoding.UTF8.GetBytes(
        $$"""{"{{SimulatedEvent.IdentityField}}":"{{id}}","type":"receipt","subject":"say \"hi\" \\ é 😀\n","pad":"{{new string('x', pad)}}"}""");

    public static List<byte[]> Events(int count, int pad = 0) => [.. Enumerable.Range(0, count).Select(i => Event($"e{i}", pad))];

    /// <summary>Cuts events into chunks with the client's builder; every event must be accepted.</summary>
    public List<IntakeChunk> Chunks(IEnumerable<byte[]> events)
    {
        using var builder = Client.CreateChunkBuilder();
        var chunks = new List<IntakeChunk>();
        foreach (var e in events)
        {
            var added = builder.TryAdd(e);
            if (added == ChunkAddResult.ChunkFull)
            {
                chunks.Add(builder.Seal());
                added = builder.TryAdd(e);
            }

            added.Should().Be(ChunkAddResult.Added);
        }

        if (builder.EventCount > 0)
        {
            chunks.Add(builder.Seal());
        }

        return chunks;
    }

    public IntakeChunk Chunk(IEnumerable<byte[]> events) => Chunks(events).Should().ContainSingle().Subject;

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Server.DisposeAsync();
    }
}
