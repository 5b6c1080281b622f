using System.Runtime.CompilerServices;

namespace MimecastActors.Sekoia;

/// <summary>
/// Sits inside the resilience handler, so it sees every attempt of a request: the count goes into the outcome,
/// where it tells the operator how hard the intake was to reach.
/// </summary>
internal sealed class AttemptCountingHandler : DelegatingHandler
{
    public static readonly HttpRequestOptionsKey<StrongBox<int>> Attempts = new("MimecastActors.Sekoia.Attempts");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(Attempts, out var attempts))
        {
            Interlocked.Increment(ref attempts.Value);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
