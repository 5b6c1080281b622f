using System.CommandLine;

namespace MimecastActors.Cli;

/// <summary>`log peek`: the asked node's last log lines, from its in-memory ring.</summary>
internal static class LogPalette
{
    public static Command Create(NodeOptions node)
    {
        var lines = new Option<int>("--lines") { Description = "How many of the last lines (the node keeps 5,000).", HelpName = "N", DefaultValueFactory = _ => 100 };
        var tenant = new Option<string?>("--tenant") { Description = "Only this tenant's lines.", HelpName = "TENANT" };
        var peek = new Command("peek", "The last log lines of the asked node, oldest first, optionally one tenant's.") { lines, tenant };
        node.SetAction(peek, async (run, cancel) =>
        {
            // The node checks the values (1 to 5,000, a known tenant) and says what is wrong.
            var query = $"api/logs?lines={run.Parse.GetValue(lines)}" + (run.Parse.GetValue(tenant) is { } id ? $"&tenant={Uri.EscapeDataString(id)}" : "");
            run.Output.Print<List<LogLine>>(await run.Node.GetAsync(query, cancel), found =>
            {
                foreach (var line in found)
                {
                    Output.Line(Format(line));
                }
            });
        });

        return new Command("log", "The node's recent log lines.") { peek };
    }

    /// <summary>Like the node's console: time, three-letter level, source, message (UTC, since lines may span days).</summary>
    public static string Format(LogLine line)
    {
        var level = line.Level switch
        {
            "Verbose" => "VRB",
            "Debug" => "DBG",
            "Information" => "INF",
            "Warning" => "WRN",
            "Error" => "ERR",
            "Fatal" => "FTL",
            var other => other,
        };
        return $"{Output.Time(line.At)} {level} {line.Source}: {line.Message}";
    }
}
