using System.Text;

namespace MimecastActors.Simulator.Intake;

/// <summary>
/// How the intake told one received event apart: the UTF-8 bytes of its identity inside the request body (no string
/// per event), the identity unescaped when the event had to be read in full, or neither when it has none.
/// </summary>
internal readonly record struct EventIdentity(int Start, int Length, string? Unescaped)
{
    public static readonly EventIdentity None = new(-1, 0, null);

    public static EventIdentity InBody(int start, int length) => new(start, length, null);

    public static EventIdentity Read(string? identity) => identity is null ? None : new(-1, 0, identity);

    public bool IsIdentified => Start >= 0 || Unescaped is not null;

    /// <summary>The identity's UTF-8 bytes.</summary>
    public ReadOnlySpan<byte> Bytes(ReadOnlySpan<byte> body) =>
        Start >= 0 ? body.Slice(Start, Length) : Encoding.UTF8.GetBytes(Unescaped ?? "");

    /// <summary>The identity as a string (for tests), or null when the event has none.</summary>
    public string? Text(ReadOnlySpan<byte> body) => IsIdentified ? Encoding.UTF8.GetString(Bytes(body)) : null;
}
