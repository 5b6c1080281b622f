using System.CommandLine;

using Spectre.Console;

namespace MimecastActors.Cli;

/// <summary>`tenant list|show|pause|resume|replay`: the tenants' progress and an operator's hand on them.</summary>
internal static class TenantPalette
{
    public static Command Create(NodeOptions node)
    {
        var list = new Command("list", "Every configured tenant: state (running, caught-up, paused, silent), node, events forwarded, lines set aside, lag, calls used of the budget, last error.");
        node.SetAction(list, async (run, cancel) => run.Output.Print<List<TenantView>>(await run.Node.GetAsync("api/tenants", cancel), PrintList));

        var shown = TenantArgument();
        var show = new Command("show", "One tenant in detail: its streams (last listing, newest event, caught up, delivering) and its last log lines.") { shown };
        node.SetAction(show, async (run, cancel) => run.Output.Print<TenantView>(await run.Node.GetAsync(Path(run, shown), cancel), PrintDetail));

        var paused = TenantArgument();
        var reason = new Option<string?>("--reason") { Description = "Why, for whoever looks next (shown by list and show).", HelpName = "TEXT" };
        var pause = new Command("pause", "Stop pulling and forwarding for a tenant until `resume`; its cursors stay where they are. Survives restarts.") { paused, reason };
        node.SetAction(pause, async (run, cancel) => run.Output.Print<TenantView>(
            await run.Node.PostAsync($"{Path(run, paused)}/pause", new { reason = run.Parse.GetValue(reason) }, cancel),
            tenant => Output.Line($"{tenant.Tenant}: {StateOf(tenant)}")));

        var resumed = TenantArgument();
        var resume = new Command("resume", "Pull again where a paused tenant stopped (also after bad credentials or an intake key were corrected).") { resumed };
        node.SetAction(resume, async (run, cancel) => run.Output.Print<TenantView>(
            await run.Node.PostAsync($"{Path(run, resumed)}/resume", body: null, cancel),
            tenant => Output.Line($"{tenant.Tenant}: {StateOf(tenant)}")));

        var replayed = TenantArgument();
        var from = new Option<DateOnly>("--from") { Description = "The day to send again from (yyyy-MM-dd), within the 7 days Mimecast keeps.", HelpName = "DATE", Required = true };
        var stream = new Option<string?>("--stream") { Description = "One stream (an event type, e.g. receipt); default: every stream of the tenant.", HelpName = "STREAM" };
        var replay = new Command("replay", "Send a tenant's events again from a date: its cursors go back, the intake receives them a second time.") { replayed, from, stream };
        node.SetAction(replay, async (run, cancel) => run.Output.Print<TenantView>(
            await run.Node.PostAsync(
                $"{Path(run, replayed)}/replay",
                new { from = run.Parse.GetValue(from).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), stream = run.Parse.GetValue(stream) },
                cancel),
            tenant => Output.Line($"{tenant.Tenant}: replaying {run.Parse.GetValue(stream) ?? "every stream"} from {run.Parse.GetValue(from):yyyy-MM-dd}")));

        return new Command(
            "tenant",
            "The tenants: list, show, pause, resume, replay. Adding, updating and removing tenants at runtime will come with the admin API for them; " +
            "until then tenants are set in the node's configuration.")
        {
            list, show, pause, resume, replay,
        };

        static string Path(Invocation run, Argument<string> tenant) => $"api/tenants/{AdminClient.Segment(run.Parse.GetValue(tenant)!)}";
    }

    private static Argument<string> TenantArgument() => new("tenant") { Description = "The tenant's id." };

    /// <summary>The state, with the reason of a pause (which the node words as "paused by …" or as the failure that paused it).</summary>
    private static string StateOf(TenantView tenant) => tenant.PausedBecause switch
    {
        null => tenant.State,
        var why when why.StartsWith("paused", StringComparison.Ordinal) => why,
        var why => $"{tenant.State}: {why}",
    };

    /// <summary>Nodes are told apart by host and port; the `akka.tcp://mimecast-actors@` before them is the same for all.</summary>
    private static string? ShortNode(string? node) => node?[(node.IndexOf('@', StringComparison.Ordinal) + 1)..];

    private static string Calls(TenantView tenant) => tenant.CallsUsed is { } used && tenant.Budget is { } budget ? $"{used}/{budget}" : "-";

    private static void PrintList(List<TenantView> tenants)
    {
        var table = Output.Table("Tenant", "State", "Node", "Forwarded", "Rejected", "Lag", "Calls", "Last error");
        foreach (var tenant in tenants)
        {
            table.AddRow(
                Output.Cell(tenant.Tenant),
                Output.Cell(StateOf(tenant), Output.StateColor(tenant.State)),
                Output.Cell(ShortNode(tenant.Node)),
                Output.Cell(Output.Count(tenant.EventsForwarded)),
                Output.Cell(Output.Count(tenant.LinesRejected), tenant.LinesRejected > 0 ? Color.Yellow : null),
                Output.Cell(Output.Duration(tenant.LagSeconds)),
                Output.Cell(Calls(tenant)),
                Output.Cell(tenant.LastError == tenant.PausedBecause ? null : tenant.LastError)); // a pause's reason is in State already
        }

        // Right-aligned figures read as columns of numbers.
        foreach (var column in new[] { 3, 4, 5, 6 })
        {
            table.Columns[column].RightAligned();
        }

        Output.Write(table);
    }

    private static void PrintDetail(TenantView tenant)
    {
        Output.Fields(
            ("Tenant", tenant.Tenant),
            ("State", tenant.State),
            ("Paused because", tenant.PausedBecause ?? "-"),
            ("Node", tenant.Node ?? "-"),
            ("Forwarded", $"{Output.Count(tenant.EventsForwarded)} events"),
            ("Rejected", $"{Output.Count(tenant.LinesRejected)} lines set aside"),
            ("Lag", Output.Duration(tenant.LagSeconds)),
            ("Calls", tenant.CallsUsed is { } used && tenant.Budget is { } budget ? $"{used} of {budget} in the current window" : "-"),
            ("Last error", tenant.LastError ?? "-"));

        if (tenant.Streams is { Count: > 0 } streams)
        {
            Output.Line();
            var table = Output.Table("Stream", "Cursor", "Last listed", "Newest event", "Caught up", "Delivering", "Files done in page");
            foreach (var stream in streams)
            {
                table.AddRow(
                    Output.Cell(stream.Stream), Output.Cell(stream.Cursor), Output.Cell(Output.Time(stream.LastListedAt)), Output.Cell(Output.Time(stream.NewestEventAt)),
                    Output.Cell(stream.CaughtUp ? "yes" : "no"), Output.Cell(stream.Delivering ? "yes" : "no"), Output.Cell(Output.Count(stream.FilesDoneInPage)));
            }

            Output.Write(table);
        }

        if (tenant.RecentLogs is { Count: > 0 } logs)
        {
            Output.Line();
            Output.Line("Recent log lines:");
            foreach (var line in logs)
            {
                Output.Line(LogPalette.Format(line));
            }
        }
    }
}
