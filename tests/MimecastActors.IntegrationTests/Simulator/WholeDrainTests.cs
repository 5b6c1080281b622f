using System.Text;

using MimecastActors.Simulator;

namespace MimecastActors.IntegrationTests.Simulator;

/// <summary>
/// A deliberately plain puller drains the simulator into its intake, to show that the introspection answers
/// "nothing missing, nothing duplicated, budget never exceeded" — and that it notices when one is broken.
/// </summary>
public sealed class WholeDrainTests
{
    [Fact]
    public async Task A_correct_drain_passes_the_three_line_check()
    {
        await using var sim = await SimulatorHttp.StartAsync(SimulatorHttp.Acme(c => c with
        {
            Files = [new BatchFileShape { Type = "receipt", Index = 2, InvalidJsonLine = 4 }],
        }));

        await Drain(sim, pageSize: 3, relistWithoutToken: false);

        var received = sim.Server.Intake.Record(SimulatorHttp.IntakeKey);
        received.Identities.Should().BeEquivalentTo(sim.Server.Mimecast.PublishedIdentities(SimulatorHttp.ClientId));
        received.Stats.Duplicates.Should().Be(0);
        sim.Server.Mimecast.Client(SimulatorHttp.ClientId).Stats.MaxCallsInAnyWindow.Should().BeLessThanOrEqualTo(50);
    }

    [Fact]
    public async Task A_drain_that_loses_its_token_shows_up_as_duplicates()
    {
        await using var sim = await SimulatorHttp.StartAsync();

        await Drain(sim, pageSize: 3, relistWithoutToken: true);

        sim.Server.Intake.Record(SimulatorHttp.IntakeKey).Stats.Duplicates.Should().BeGreaterThan(0);
    }

    private static async Task Drain(SimulatorHttp sim, int pageSize, bool relistWithoutToken)
    {
        var token = await sim.Token();
        string? next = null;
        var lostTokenOnce = false;
        while (true)
        {
            var page = await sim.ListPage(token, SimulatorHttp.Query("receipt,url protect", pageSize, next));
            foreach (var url in page.Files.Select(f => f.Url).Distinct())
            {
                var events = (await sim.Lines(url)).Select(SimulatorHttp.Utf8).Where(IsEvent).ToList();
                (await sim.Http.PostAsync("batch", SimulatorHttp.IntakeBody(SimulatorHttp.IntakeKey, events, gzip: true))).EnsureSuccessStatusCode();
            }

            if (page.IsCaughtUp)
            {
                return;
            }

            next = relistWithoutToken && !lostTokenOnce ? null : page.NextPage;
            lostTokenOnce = true;
        }
    }

    private static bool IsEvent(string line)
    {
        try
        {
            using var _ = System.Text.Json.JsonDocument.Parse(Encoding.UTF8.GetBytes(line));
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
