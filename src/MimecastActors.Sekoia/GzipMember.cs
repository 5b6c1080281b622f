using System.Buffers.Binary;
using System.IO.Hashing;

namespace MimecastActors.Sekoia;

/// <summary>
/// The parts of one gzip member (RFC 1952) that are written by hand around deflate fragments compressed apart
/// (<see cref="DeflateFragment"/>): the header, stored blocks for the few bytes between fragments, and the trailer,
/// whose CRC-32 is combined from the fragments' own instead of being computed again over bytes no longer held.
/// </summary>
internal static class GzipMember
{
    /// <summary>Deflate, no flags, no time, no extra flags, unknown OS.</summary>
    public static ReadOnlySpan<byte> Header => [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

    public const int TrailerLength = 8;

    /// <summary>The largest payload of one stored block.</summary>
    public const int MaxStoredBytes = ushort.MaxValue;

    /// <summary>CRC-32 polynomial, reflected.</summary>
    private const uint Polynomial = 0xEDB88320;

    /// <summary>x^(2^k) modulo the polynomial, for k = 0..31 (zlib's crc32_combine).</summary>
    private static readonly uint[] PowersOfX = BuildPowersOfX();

    /// <summary>The bytes of a stored block of <paramref name="payload"/> bytes.</summary>
    public static int StoredBlockLength(int payload) => 5 + payload;

    /// <summary>
    /// A stored (uncompressed) block. It must start on a byte boundary, which a sync-flushed fragment ends on: its
    /// three header bits then fill the low bits of one byte, and the rest of that byte is padding.
    /// </summary>
    public static byte[] StoredBlock(ReadOnlySpan<byte> payload, bool final)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, MaxStoredBytes, nameof(payload));
        var block = new byte[StoredBlockLength(payload.Length)];
        block[0] = final ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(1), (ushort)payload.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(3), (ushort)~payload.Length);
        payload.CopyTo(block.AsSpan(5));
        return block;
    }

    /// <summary>CRC-32 and length of the uncompressed data, modulo 2^32 as gzip keeps it.</summary>
    public static byte[] Trailer(uint crc, long length)
    {
        var trailer = new byte[TrailerLength];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(4), unchecked((uint)length));
        return trailer;
    }

    public static uint Crc(ReadOnlySpan<byte> bytes) => Crc32.HashToUInt32(bytes);

    /// <summary>
    /// The CRC-32 of A followed by B, from the CRC-32 of A, the CRC-32 of B and the length of B: A's CRC is multiplied
    /// by x^(8 × length of B) modulo the polynomial, then B's is added.
    /// </summary>
    public static uint CombineCrc(uint first, uint second, long secondLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(secondLength);
        return MultiplyModulo(XToThe8N(secondLength), first) ^ second;
    }

    /// <summary>a(x) × b(x) modulo the polynomial, in CRC-32's reflected bit order (x^0 is the top bit).</summary>
    private static uint MultiplyModulo(uint a, uint b)
    {
        var bit = 1u << 31;
        var product = 0u;
        while (true)
        {
            if ((a & bit) != 0)
            {
                product ^= b;
                if ((a & (bit - 1)) == 0)
                {
                    return product;
                }
            }

            bit >>= 1;
            b = (b & 1) != 0 ? (b >> 1) ^ Polynomial : b >> 1;
        }
    }

    /// <summary>x^(8n) modulo the polynomial: x^(2^k) multiplied in for every bit k of 8n.</summary>
    private static uint XToThe8N(long n)
    {
        var power = 1u << 31; // x^0
        var k = 3;
        while (n != 0)
        {
            if ((n & 1) != 0)
            {
                power = MultiplyModulo(PowersOfX[k & 31], power);
            }

            n >>= 1;
            k++;
        }

        return power;
    }

    private static uint[] BuildPowersOfX()
    {
        var powers = new uint[32];
        var power = 1u << 30; // x^1
        for (var k = 0; k < powers.Length; k++)
        {
            powers[k] = power;
            power = MultiplyModulo(power, power);
        }

        return powers;
    }
}
