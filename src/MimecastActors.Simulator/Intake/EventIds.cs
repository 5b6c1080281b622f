using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MimecastActors.Simulator.Intake;

/// <summary>
/// The ids the intake answers with: uuid-shaped and unique like the real intake's, but a random prefix and a counter,
/// since a random uuid per event cost the simulator more than parsing the events.
/// </summary>
internal readonly record struct EventIds(long First)
{
    private static readonly byte[] Prefix = RandomNumberGenerator.GetBytes(8);
    private static long _issued;

    /// <summary>Reserves <paramref name="count"/> consecutive ids.</summary>
    public static EventIds Next(int count) => new(Interlocked.Add(ref _issued, count) - count);

    public Guid At(int index)
    {
        Span<byte> bytes = stackalloc byte[16];
        Prefix.CopyTo(bytes);
        BinaryPrimitives.WriteInt64BigEndian(bytes[8..], First + index);
        return new Guid(bytes);
    }
}
