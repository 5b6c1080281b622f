using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace MimecastActors.IntegrationTests.Simulator;

/// <summary>The `mimecast-simulator` executable as a user runs it: a scenario from flags or a file, connection details printed.</summary>
public sealed class ExecutableTests
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "mimecast-simulator.dll");

    [Fact]
    public async Task It_starts_from_flags_prints_what_a_puller_needs_and_serves_it()
    {
        using var process = Start("--port", "0", "--clients", "2", "--json");
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            using var info = JsonDocument.Parse(line!);
            var baseUrl = new Uri(info.RootElement.GetProperty("baseUrl").GetString()!);
            var client = info.RootElement.GetProperty("clients")[1];
            info.RootElement.GetProperty("intakeKeys").EnumerateArray().Select(k => k.GetString()).Should().Equal("intake-tenant-1", "intake-tenant-2");

            using var http = new HttpClient { BaseAddress = baseUrl };
            using var token = await http.PostAsync("oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["client_id"] = client.GetProperty("clientId").GetString()!,
                ["client_secret"] = client.GetProperty("clientSecret").GetString()!,
                ["grant_type"] = "client_credentials",
            }));
            token.StatusCode.Should().Be(HttpStatusCode.OK);
            baseUrl.Host.Should().Be("127.0.0.1");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task A_bad_scenario_file_is_reported_clearly_with_exit_code_2()
    {
        var file = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{ "clients": [ { "clientId": "a", "clientSecret": "b", "eventTypes": ["receipts"] } ] }""");
        try
        {
            using var process = Start("--scenario", file);
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            process.ExitCode.Should().Be(2);
            error.Should().Contain(file).And.Contain("unknown event type 'receipts'");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_scenario_file_with_comments_and_quirks_is_accepted()
    {
        var file = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            {
              // one tenant, a short URL expiry
              "port": 0,
              "clients": [ { "clientId": "a", "clientSecret": "b", "eventTypes": ["receipt"], "backlogFiles": 2,
                             "quirks": { "urlTtl": "00:00:05", "duplicateUrls": true } } ],
              "intakeKeys": [ "k" ],
            }
            """);
        try
        {
            using var process = Start("--scenario", file, "--json");
            try
            {
                var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
                using var info = JsonDocument.Parse(line!);
                info.RootElement.GetProperty("clients")[0].GetProperty("clientId").GetString().Should().Be("a");
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start)!;
    }
}
