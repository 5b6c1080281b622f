using System.CommandLine;

using Spectre.Console;

namespace MimecastActors.Cli;

/// <summary>`cluster show|leave|down`: the members as the asked node sees them, and taking one out.</summary>
internal static class ClusterPalette
{
    public static Command Create(NodeOptions node)
    {
        var show = new Command("show", "Members with status, roles and reachability, and the leader, as the asked node sees them.");
        node.SetAction(show, async (run, cancel) => run.Output.Print<ClusterView>(await run.Node.GetAsync("api/cluster", cancel), PrintCluster));

        return new Command("cluster", "The cluster's members: show them, make one leave gracefully, or down one that is gone.")
        {
            show,
            MemberCommand(node, "leave", "Ask a member to leave gracefully: its tenants move to the other nodes, then it stops."),
            MemberCommand(node, "down", "Mark an unreachable member as down, so that its tenants restart elsewhere. Only for a node that is really gone."),
        };
    }

    private static Command MemberCommand(NodeOptions node, string verb, string description)
    {
        var address = new Argument<string>("address") { Description = "The member's address as `cluster show` prints it, e.g. akka.tcp://mimecast-actors@10.0.0.5:4053." };
        var command = new Command(verb, description) { address };
        node.SetAction(command, async (run, cancel) => run.Output.Print<MemberChange>(
            await run.Node.PostAsync($"api/cluster/{verb}", new { address = run.Parse.GetValue(address) }, cancel),
            change => Output.Line($"{change.Address}: {change.Status}")));
        return command;
    }

    private static void PrintCluster(ClusterView cluster)
    {
        Output.Fields(("Asked", cluster.Self), ("Leader", cluster.Leader ?? "none"));
        var table = Output.Table("Address", "Status", "Roles", "Reachable");
        foreach (var member in cluster.Members)
        {
            table.AddRow(
                Output.Cell(member.Address),
                Output.Cell(member.Status, member.Status == "Up" ? Color.Green : Color.Yellow),
                Output.Cell(string.Join(", ", member.Roles)),
                Output.Cell(member.Reachable ? "yes" : "NO", member.Reachable ? null : Color.Red));
        }

        Output.Write(table);
    }
}
