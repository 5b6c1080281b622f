using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace MimecastActors.IntegrationTests.Node;

/// <summary>
/// The real `mimecast-actors` executable in a process of its own, so that a test can kill it without warning
/// (SIGKILL), stop it like Kubernetes does (SIGTERM), and measure its memory.
/// </summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private bool _disposed;

    private NodeProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyCollection<string> Output => _output;

    public static NodeProcess Start(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepositoryPaths.HostAssembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        return new NodeProcess(Process.Start(start)!);
    }

    public static NodeProcess Run(string workingDirectory, string configFile) => Start(workingDirectory, "run", "--config", configFile);

    /// <summary>No goodbye: the process dies at once, with whatever it had in flight.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as Kubernetes sends; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan within)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        return await WaitForExitAsync(within);
    }

    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the node did not exit within {within}; last output:{Environment.NewLine}{Tail()}");
        }

        _process.WaitForExit(); // drains the output events
        return _process.ExitCode;
    }

    /// <summary>Resident memory now, from /proc (what the kernel charges the pod for).</summary>
    public long ResidentBytes()
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public async Task WaitForOutputAsync(string text, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (!_output.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > until || _process.HasExited)
            {
                throw new TimeoutException($"the node did not print `{text}` within {within}; last output:{Environment.NewLine}{Tail()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The admin API's address, as the node prints it once it listens (the tests let it pick a free port).</summary>
    public async Task<Uri> AdminUrlAsync(TimeSpan within)
    {
        const string Marker = "admin API on ";
        await WaitForOutputAsync(Marker, within);
        var line = _output.First(l => l.Contains(Marker, StringComparison.Ordinal));
        return new Uri(line[(line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..].Split(',')[0].Trim());
    }

    public string Tail(int lines = 40) => string.Join(Environment.NewLine, _output.TakeLast(lines));

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
