using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

using MimecastActors.Simulator.Intake;
using MimecastActors.Simulator.Mimecast;

namespace MimecastActors.Simulator;

/// <summary>
/// `/simulator/*`: what the simulator saw and the switches of its quirks, for tests and benchmarks that run it
/// in another process (in-process callers use <see cref="MimecastSimulator"/> and <see cref="IntakeSimulator"/>).
/// </summary>
public static class SimulatorAdminEndpoints
{
    public static void MapSimulatorAdmin(this IEndpointRouteBuilder app, MimecastSimulator mimecast, IntakeSimulator intake)
    {
        app.MapGet("/simulator/clients/{id}", (string id) =>
            mimecast.TryGetClient(id, out var client)
                ? Results.Json(new { client.ClientId, client.Stats, client.Quirks, published = mimecast.PublishedIdentities(id).Count })
                : Results.NotFound(new { message = $"No simulated client '{id}'" }));

        app.MapGet("/simulator/clients/{id}/calls", (string id) =>
            mimecast.TryGetClient(id, out var client) ? Results.Json(client.Calls) : Results.NotFound(new { message = $"No simulated client '{id}'" }));

        app.MapGet("/simulator/clients/{id}/published", (string id) =>
            mimecast.TryGetClient(id, out _) ? Results.Json(mimecast.PublishedIdentities(id)) : Results.NotFound(new { message = $"No simulated client '{id}'" }));

        app.MapPost("/simulator/clients/{id}/revoke-tokens", (string id) =>
        {
            if (!mimecast.TryGetClient(id, out var client))
            {
                return Results.NotFound(new { message = $"No simulated client '{id}'" });
            }

            client.RevokeAllTokens();
            return Results.NoContent();
        });

        app.MapGet("/simulator/intakes/{key}", (string key) =>
            intake.IsKnown(key) ? Results.Json(intake.Record(key).Stats) : Results.NotFound(new { message = "Unknown intake key" }));

        app.MapGet("/simulator/intakes/{key}/identities", (string key) =>
            intake.IsKnown(key) ? Results.Json(intake.Record(key).Identities) : Results.NotFound(new { message = "Unknown intake key" }));

        app.MapPost("/simulator/intake/outage", (OutageRequest request) =>
        {
            intake.StartOutage(request.Duration, request.Status, request.RetryAfter);
            return Results.NoContent();
        });
    }

    public sealed record OutageRequest(TimeSpan Duration, int Status = 503, TimeSpan? RetryAfter = null);
}
