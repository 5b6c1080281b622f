using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;

namespace MimecastActors.Cli;

/// <summary>One run of a command: what was typed, the node to ask, and where the answer goes.</summary>
internal sealed record Invocation(ParseResult Parse, AdminClient Node, Output Output);

/// <summary>
/// The options every command takes (which node, which token, tables or JSON), and the one place where a command's
/// outcome becomes an exit code and a one-line message.
/// </summary>
internal sealed class NodeOptions
{
    private const string DefaultHost = "http://127.0.0.1:9110";

    private readonly Option<Uri?> _host = new("--host")
    {
        Description = $"The node's admin API (default: $MIMECASTCTL_HOST, else {DefaultHost}).",
        HelpName = "URL",
        Recursive = true,
        DefaultValueFactory = result => Host(result, Environment.GetEnvironmentVariable("MIMECASTCTL_HOST") is { Length: > 0 } set ? set : DefaultHost, "$MIMECASTCTL_HOST"),
        CustomParser = result => Host(result, result.Tokens[0].Value, "--host"),
    };

    // The token stays out of every message and output; a file keeps it out of the shell history too.
    private readonly Option<string?> _token = new("--token")
    {
        Description = "The admin API's bearer token (Admin.Token; default: $MIMECASTCTL_TOKEN). --token-file keeps it out of shell history.",
        HelpName = "TOKEN",
        Recursive = true,
    };

    private readonly Option<FileInfo> _tokenFile = new("--token-file")
    {
        Description = "A file holding the admin API's bearer token (e.g. the demo's data/demo/admin-token).",
        HelpName = "FILE",
        Recursive = true,
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the API's JSON, indented, instead of tables: for scripts.",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        _tokenFile.AcceptExistingOnly();
        root.Options.Add(_host);
        root.Options.Add(_token);
        root.Options.Add(_tokenFile);
        root.Options.Add(_json);
    }

    /// <summary>Runs <paramref name="work"/> for <paramref name="command"/>, turning the node's errors into exit codes.</summary>
    public void SetAction(Command command, Func<Invocation, CancellationToken, Task> work)
    {
        // On the command itself: System.CommandLine validates the command that runs, not its parents.
        command.Validators.Add(result =>
        {
            if (result.GetResult(_token) is not null && result.GetResult(_tokenFile) is not null)
            {
                result.AddError("give --token or --token-file, not both");
            }
        });
        command.SetAction(async (parse, cancel) =>
        {
            var host = parse.GetValue(_host)!;
            string? token;
            try
            {
                token = Token(parse);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Output.Error($"cannot read the token file: {e.Message}");
                return ExitCodes.Usage;
            }

            using var node = new AdminClient(host, token);
            try
            {
                await work(new Invocation(parse, node, new Output(parse.GetValue(_json))), cancel);
                return ExitCodes.Done;
            }
            catch (UsageException e)
            {
                Output.Error(e.Message);
                return ExitCodes.Usage;
            }
            catch (NodeErrorException e)
            {
                Output.Error(token is null && e.Status == 401 ? $"{e.Message}; give --token-file, --token or $MIMECASTCTL_TOKEN" : e.Message);
                return ExitCodes.NodeError;
            }
            catch (JsonException e)
            {
                Output.Error($"the answer of {host} is not the admin API's JSON (is it a MimecastActors node of this version?): {e.Message}");
                return ExitCodes.NodeError;
            }
            catch (NodeUnreachableException e)
            {
                Output.Error(e.Message);
                return ExitCodes.Unreachable;
            }
        });
    }

    private string? Token(ParseResult parse)
    {
        if (parse.GetValue(_token) is { Length: > 0 } given)
        {
            return given;
        }

        if (parse.GetValue(_tokenFile) is { } file)
        {
            var fromFile = File.ReadAllText(file.FullName).Trim();
            return fromFile.Length > 0 ? fromFile : throw new IOException($"{file.FullName} is empty");
        }

        return Environment.GetEnvironmentVariable("MIMECASTCTL_TOKEN") is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim() : null;
    }

    /// <summary>An absolute http(s) URL, ending with a slash so that API paths resolve under it.</summary>
    private static Uri? Host(ArgumentResult result, string text, string source)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return new Uri(uri.AbsoluteUri.EndsWith('/') ? uri.AbsoluteUri : uri.AbsoluteUri + "/");
        }

        result.AddError($"{source} `{text}` is not an http(s) URL like {DefaultHost}");
        return null;
    }
}
