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

    /// <summary>The CRC-32 of A followed by B, from the CRC-32 of A, the CRC-32 of B and the length of B.</summary>
    public static uint CombineCrc(uint first, uint second, long secondLength) => Crc32Combine.Combine(first, second, secondLength);
}
