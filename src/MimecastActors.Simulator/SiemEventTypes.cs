namespace MimecastActors.Simulator;

/// <summary>The Cloud Gateway event types of the SIEM batch endpoint (values contain spaces).</summary>
public static class SiemEventTypes
{
    public static readonly IReadOnlyList<string> All =
    [
        "receipt", "process", "delivery", "av", "spam",
        "internal email protect", "impersonation protect", "url protect", "attachment protect", "journal",
    ];

    /// <summary>A form of the type fit for a URL path segment ("url protect" → "url-protect").</summary>
    public static string Slug(string type) => type.Replace(' ', '-');

    public static string FromSlug(string slug) => slug.Replace('-', ' ');
}
