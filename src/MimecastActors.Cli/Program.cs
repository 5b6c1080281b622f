using System.CommandLine;
using System.CommandLine.Invocation;

using MimecastActors.Cli;

var node = new NodeOptions();
var root = new RootCommand(
    "mimecastctl: see and steer a MimecastActors cluster through a node's admin API. " +
    "Exit codes: 0 done, 1 the node answered an error, 2 usage error, 3 the node cannot be reached.")
{
    ClusterPalette.Create(node),
    ShardingPalette.Create(node),
    TenantPalette.Create(node),
    LogPalette.Create(node),
    MetricsPalette.Create(node),
};
node.AddTo(root);

var parse = root.Parse(args);
if (parse.Action is ParseErrorAction)
{
    // One short line per mistake and where to read more; a wall of help text hides the mistake.
    foreach (var error in parse.Errors)
    {
        Output.Error(error.Message);
    }

    Output.Error($"see `{CommandPath(parse.CommandResult)} --help`");
    return ExitCodes.Usage;
}

try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (OperationCanceledException)
{
    return 130; // Ctrl-C, as shells count it
}
catch (Exception e)
{
    // A failure the commands did not foresee is a bug to report, still in one line rather than a stack trace.
    Output.Error($"unexpected failure ({e.GetType().Name}): {e.Message}");
    return ExitCodes.NodeError;
}

static string CommandPath(System.CommandLine.Parsing.CommandResult command) =>
    command.Parent is System.CommandLine.Parsing.CommandResult parent ? $"{CommandPath(parent)} {command.Command.Name}" : "mimecastctl";
