using System.Text;

namespace MimecastActors.Sekoia;

/// <summary>The fixed parts of a <c>/batch</c> body: <c>{"intake_key":"…","jsons":[</c> … <c>]}</c>.</summary>
internal static class IntakeBody
{
    public static ReadOnlySpan<byte> Suffix => "]}"u8;

    public static byte[] Prefix(string intakeKey)
    {
        var escaped = JsonStringEscaping.Escape(Encoding.UTF8.GetBytes(intakeKey));
        return [.. "{\"intake_key\":\""u8, .. escaped, .. "\",\"jsons\":["u8];
    }
}
