using System.Diagnostics;
using System.Text.Json.Nodes;

using MimecastActors.IntegrationTests.Node;

namespace MimecastActors.IntegrationTests.Cli;

/// <summary>What one run of the CLI printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    public JsonNode Json => JsonNode.Parse(Output) ?? throw new Xunit.Sdk.XunitException($"no JSON on stdout: {this}");

    public override string ToString() => $"exit {ExitCode}; stdout:{Environment.NewLine}{Output}{Environment.NewLine}stderr:{Environment.NewLine}{Error}";
}

/// <summary>The real `mimecastctl` executable, run as an operator would, in a process of its own.</summary>
public static class Mimecastctl
{
    /// <summary>The CLI, built with the same configuration (Debug/Release) as the tests.</summary>
    public static string Assembly
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            var path = Path.Combine(RepositoryPaths.Root, "src", "MimecastActors.Cli", "bin", configuration, "net10.0", "mimecastctl.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"mimecastctl is not built: {path}");
        }
    }

    public static string Configuration => new DirectoryInfo(Path.GetDirectoryName(Assembly)!).Parent!.Name;

    /// <param name="environment">Variables set for this run; the caller's MIMECASTCTL_* never leak in.</param>
    public static async Task<CliRun> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("MIMECASTCTL_HOST");
        start.Environment.Remove("MIMECASTCTL_TOKEN");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await output, await error);
    }
}
