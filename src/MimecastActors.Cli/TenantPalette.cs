using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

using Spectre.Console;

namespace MimecastActors.Cli;

/// <summary>`tenant list|show|pause|resume|replay`: the tenants' progress and an operator's hand on them.</summary>
internal static class TenantPalette
{
    public static Command Create(NodeOptions node)
    {
        var list = new Command("list", "Every tenant (From: the configuration file or the api): state (running, caught-up, paused, silent), node, events forwarded, lines set aside, lag, calls used of the budget, last error.");
        node.SetAction(list, async (run, cancel) => run.Output.Print<List<TenantView>>(await run.Node.GetAsync("api/tenants", cancel), PrintList));

        var shown = TenantArgument();
        var show = new Command("show", "One tenant in detail: its streams (last listing, newest event, caught up, delivering), its latest lines set aside and its last log lines.") { shown };
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

        var added = TenantArgument();
        var addFile = TenantFileOption();
        var add = new Command(
            "add",
            "Add a tenant to the cluster at runtime: it starts pulling at once and survives restarts. The file is a tenant as in the node's " +
            "configuration (Mimecast, Intake sections); its secrets are sealed with the node's Secrets.Key before they are stored.")
        { added, addFile };
        node.SetAction(add, async (run, cancel) => run.Output.Print<TenantConfigurationView>(
            await run.Node.SendJsonAsync(HttpMethod.Post, "api/tenants", TenantFile(run, addFile, run.Parse.GetValue(added)!), cancel), PrintConfiguration));

        var updated = TenantArgument();
        var updateFile = TenantFileOption();
        var update = new Command(
            "update",
            "Replace the configuration of a tenant added at runtime; leave ClientSecret or IntakeKey out to keep the current one. The tenant restarts " +
            "on it from its checkpoints (a tenant paused by a failure resumes).")
        { updated, updateFile };
        node.SetAction(update, async (run, cancel) => run.Output.Print<TenantConfigurationView>(
            await run.Node.SendJsonAsync(HttpMethod.Put, Path(run, updated), TenantFile(run, updateFile, run.Parse.GetValue(updated)!), cancel), PrintConfiguration));

        var removed = TenantArgument();
        var remove = new Command("remove", "Remove a tenant added at runtime: it stops; its checkpoints are kept, should it be added again.") { removed };
        node.SetAction(remove, async (run, cancel) => run.Output.Print<TenantRemoved>(
            await run.Node.DeleteAsync(Path(run, removed), cancel), tenant => Output.Line($"{tenant.Tenant}: {tenant.Status}")));

        return new Command(
            "tenant",
            "The tenants: list, show, add, update, remove, pause, resume, replay. Tenants of a node's configuration file are changed there; " +
            "add, update and remove manage the tenants added at runtime.")
        {
            list, show, add, update, remove, pause, resume, replay,
        };

        static string Path(Invocation run, Argument<string> tenant) => $"api/tenants/{AdminClient.Segment(run.Parse.GetValue(tenant)!)}";
    }

    private static Argument<string> TenantArgument() => new("tenant") { Description = "The tenant's id." };

    private static Option<string> TenantFileOption() => new("--file")
    {
        Description = "The tenant as JSON, in the shape of a tenant of the node's configuration file; `-` reads it from standard input. " +
            "A file keeps the secrets out of the shell history and the process list.",
        HelpName = "FILE",
        Required = true,
    };

    /// <summary>The tenant's JSON from a file or standard input, with its id set from the command line.</summary>
    private static JsonObject TenantFile(Invocation run, Option<string> file, string tenant)
    {
        var name = run.Parse.GetValue(file)!;
        string text;
        try
        {
            text = name == "-" ? Console.In.ReadToEnd() : File.ReadAllText(name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read the tenant file: {e.Message}");
        }

        JsonObject body;
        try
        {
            body = JsonNode.Parse(text) as JsonObject ?? throw new UsageException($"{Described(name)} is not a JSON object");
        }
        catch (JsonException e)
        {
            // The parser's message gives the line and position, never the text around it (which may be a secret).
            throw new UsageException($"{Described(name)} is not valid JSON: {e.Message}");
        }

        // The configuration file writes "Id"; the command line's id is the one that counts, and they must agree.
        foreach (var key in body.Select(p => p.Key).Where(k => k.Equals("id", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            if (body[key]?.GetValueKind() == JsonValueKind.String && body[key]!.GetValue<string>() != tenant)
            {
                throw new UsageException($"{Described(name)} names tenant `{body[key]!.GetValue<string>()}`, not `{tenant}`");
            }

            body.Remove(key);
        }

        body["id"] = tenant;
        return body;

        static string Described(string name) => name == "-" ? "standard input" : name;
    }

    private static void PrintConfiguration(TenantConfigurationView tenant)
    {
        Output.Line($"{tenant.Tenant}: {tenant.Status}");
        Output.Fields(
            ("Mimecast", tenant.MimecastBaseUrl.ToString()),
            ("Client id", tenant.ClientId),
            ("Client secret", tenant.ClientSecret),
            ("Streams", string.Join(", ", tenant.Streams)),
            ("Page size", tenant.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Poll interval", tenant.PollInterval.ToString()),
            ("Budget", $"{tenant.RateLimitCalls} calls per {tenant.RateLimitWindow}"),
            ("Intake", tenant.IntakeUrl.ToString()),
            ("Intake key", tenant.IntakeKey));
    }

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
        var table = Output.Table("Tenant", "From", "State", "Node", "Forwarded", "Rejected", "Lag", "Calls", "Last error");
        foreach (var tenant in tenants)
        {
            table.AddRow(
                Output.Cell(tenant.Tenant),
                Output.Cell(tenant.Source),
                Output.Cell(StateOf(tenant), Output.StateColor(tenant.State)),
                Output.Cell(ShortNode(tenant.Node)),
                Output.Cell(Output.Count(tenant.EventsForwarded)),
                Output.Cell(Output.Count(tenant.LinesRejected), tenant.LinesRejected > 0 ? Color.Yellow : null),
                Output.Cell(Output.Duration(tenant.LagSeconds)),
                Output.Cell(Calls(tenant)),
                Output.Cell(tenant.LastError == tenant.PausedBecause ? null : tenant.LastError)); // a pause's reason is in State already
        }

        // Right-aligned figures read as columns of numbers.
        foreach (var column in new[] { 4, 5, 6, 7 })
        {
            table.Columns[column].RightAligned();
        }

        Output.Write(table);
    }

    private static void PrintDetail(TenantView tenant)
    {
        Output.Fields(
            ("Tenant", tenant.Tenant),
            ("From", tenant.Source ?? "-"),
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

        if (tenant.RecentlyRejected is { Count: > 0 } rejected)
        {
            Output.Line();
            var table = Output.Table("Set aside at", "Stream", "File", "Line", "Reason", "Detail");
            foreach (var line in rejected)
            {
                table.AddRow(
                    Output.Cell(Output.Time(line.At)), Output.Cell(line.Stream), Output.Cell(line.File), Output.Cell(Output.Count(line.Line)),
                    Output.Cell(line.Reason, Color.Yellow), Output.Cell(line.Detail));
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
