using System.Text.Json;

using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MimecastActors.Host;

/// <summary>A health answer that says which check failed and why, not just "Unhealthy".</summary>
public static class HealthReportJson
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsJsonAsync(
            new
            {
                status = report.Status.ToString(),
                checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description ?? e.Value.Exception?.Message }),
            },
            Json);
    }
}
