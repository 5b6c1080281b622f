using System.Net;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

using MimecastActors.Simulator.Intake;
using MimecastActors.Simulator.Mimecast;

namespace MimecastActors.Simulator;

/// <summary>
/// One Kestrel server on 127.0.0.1 that plays both remote services: the Mimecast API 2.0 (token, SIEM batch
/// listing, pre-signed blobs) and the Sekoia.io intake (`POST /batch`), plus `/simulator/*` introspection.
/// </summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorServer(WebApplication app, Uri baseUrl, MimecastSimulator mimecast, IntakeSimulator intake)
    {
        _app = app;
        BaseUrl = baseUrl;
        Mimecast = mimecast;
        Intake = intake;
    }

    /// <summary>Where both services answer, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The Mimecast base URL a puller is configured with.</summary>
    public Uri MimecastUrl => BaseUrl;

    /// <summary>The intake base URL a forwarder posts `{IntakeUrl}/batch` to.</summary>
    public Uri IntakeUrl => BaseUrl;

    public MimecastSimulator Mimecast { get; }

    public IntakeSimulator Intake { get; }

    public static async Task<SimulatorServer> StartAsync(
        Scenario scenario, TimeProvider? time = null, Action<ILoggingBuilder>? logging = null, CancellationToken cancel = default)
    {
        time ??= TimeProvider.System;
        var mimecast = new MimecastSimulator(scenario, time);
        var intake = new IntakeSimulator(scenario, time);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, scenario.Port);
            kestrel.Limits.MaxRequestBodySize = null; // the intake applies its own limit, with the real service's answer
            kestrel.AddServerHeader = false;
        });
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);

        var app = builder.Build();
        app.UseRouting();
        app.MapMimecast(mimecast);
        app.MapIntake(intake);
        app.MapSimulatorAdmin(mimecast, intake);
        await app.StartAsync(cancel);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SimulatorServer(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)), mimecast, intake);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Mimecast.Dispose();
    }
}
