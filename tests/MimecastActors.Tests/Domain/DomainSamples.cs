using MimecastActors.Domain;

namespace MimecastActors.Tests.Domain;

internal static class DomainSamples
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    public static TenantSettings Settings(
        IReadOnlyList<StreamDefinition>? streams = null, RateLimitPolicy? rateLimit = null, TimeSpan? pollInterval = null) =>
        new("acme", new Uri("https://api.services.mimecast.com/"), "client-id", TenantSettings.Fingerprint("secret"),
            streams ?? StreamDefinition.Plan(["receipt", "process"], grouped: false), 100, pollInterval ?? TimeSpan.FromMinutes(8),
            rateLimit ?? RateLimitPolicy.Default, new Uri("https://intake.sekoia.io/"), TenantSettings.Fingerprint("intake-key"));

    public static TenantState Configured(TenantSettings? settings = null) =>
        TenantState.Empty.Apply(new TenantEvents.Configured(settings ?? Settings(), T0));

    public static TenantState ApplyAll(this TenantState state, params ITenantEvent[] events) => events.Aggregate(state, (s, e) => s.Apply(e));
}
