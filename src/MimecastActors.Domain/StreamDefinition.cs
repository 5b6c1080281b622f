namespace MimecastActors.Domain;

/// <summary>
/// One cursor: a single event type, as the official connector pulls, or a group of types fetched with one
/// comma-separated `type` (one call lists them all, so a group costs far fewer calls).
/// </summary>
public sealed record StreamDefinition(IReadOnlyList<string> Types)
{
    /// <summary>The ten Cloud Gateway event types (values contain spaces).</summary>
    public static readonly IReadOnlyList<string> AllTypes =
    [
        "receipt", "process", "delivery", "av", "spam",
        "internal email protect", "impersonation protect", "url protect", "attachment protect", "journal",
    ];

    /// <summary>The stream's name and key in the journal: its types joined by commas, as the API receives them.</summary>
    public string Key => string.Join(',', Types);

    public static StreamDefinition OfType(string type) => new([type]);

    /// <summary>One stream per type (the default), or one stream for all of them.</summary>
    public static IReadOnlyList<StreamDefinition> Plan(IReadOnlyList<string> types, bool grouped) =>
        grouped ? [new StreamDefinition(types)] : types.Select(OfType).ToList();

    public bool Equals(StreamDefinition? other) => other is not null && Types.SequenceEqual(other.Types);

    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Key;
}
