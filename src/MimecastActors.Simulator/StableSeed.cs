using System.IO.Hashing;
using System.Text;

namespace MimecastActors.Simulator;

/// <summary>Seeds that are the same in every process (string.GetHashCode is randomised per process).</summary>
internal static class StableSeed
{
    public static int Of(string text) => (int)XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(text));
}
