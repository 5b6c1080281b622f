namespace MimecastActors;

/// <summary>
/// CRC-32 (gzip's) arithmetic that System.IO.Hashing lacks: the CRC of two byte runs joined, from theirs (zlib's
/// crc32_combine method). One source file compiled into the two HTTP clients, which reference no project of ours:
/// the intake client builds a gzip trailer from fragments compressed apart, and the batch file reader checks the
/// trailer of a file's last gzip member against what it decompressed.
/// </summary>
internal static class Crc32Combine
{
    /// <summary>CRC-32 polynomial, reflected.</summary>
    private const uint Polynomial = 0xEDB88320;

    /// <summary>x^(2^k) modulo the polynomial, for k = 0..31.</summary>
    private static readonly uint[] PowersOfX = BuildPowersOfX();

    /// <summary>
    /// The CRC-32 of A followed by B, from the CRC-32 of A, the CRC-32 of B and the length of B: A's CRC is multiplied
    /// by x^(8 × length of B) modulo the polynomial, then B's is added. Adding is its own inverse, so the CRC-32 of B
    /// alone is <c>Combine(crc of A, crc of A followed by B, length of B)</c>.
    /// </summary>
    public static uint Combine(uint first, uint second, long secondLength)
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
