using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MimecastActors.Sekoia;

/// <summary>Makes one <see cref="SekoiaIntakeClient"/> per tenant; all share the node's named HttpClient and its connection pool.</summary>
public sealed class SekoiaIntakeClientFactory(IHttpClientFactory http, IOptions<SekoiaIntakeOptions> options, ILoggerFactory loggers)
{
    /// <param name="intakeUrl">The tenant's intake base URL; chunks go to <c>{intakeUrl}/batch</c>.</param>
    /// <param name="intakeKey">The tenant's intake key: it travels in request bodies only, never in logs or messages.</param>
    public SekoiaIntakeClient Create(Uri intakeUrl, string intakeKey)
    {
        var settings = options.Value;
        if (settings.Problem() is { } problem)
        {
            throw new OptionsValidationException(nameof(SekoiaIntakeOptions), typeof(SekoiaIntakeOptions), [problem]);
        }

        return new SekoiaIntakeClient(intakeUrl, intakeKey, http, settings, loggers.CreateLogger<SekoiaIntakeClient>());
    }
}
