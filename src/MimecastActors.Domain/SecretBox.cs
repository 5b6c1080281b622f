using System.Security.Cryptography;
using System.Text;

namespace MimecastActors.Domain;

/// <summary>
/// Seals the secrets of tenants added at runtime before they reach the journal: AES-256-GCM under the node's
/// configured key, bound to the tenant and the secret's purpose (a sealed client secret cannot be replayed as
/// another tenant's intake key). The key never leaves the node; sealed values may cross the cluster.
/// </summary>
public sealed class SecretBox
{
    private const string Version = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    private SecretBox(byte[] key) => _key = key;

    /// <summary>Null and the reason when <paramref name="base64Key"/> is not a base64 256-bit key.</summary>
    public static (SecretBox? Box, string? Problem) FromBase64(string? base64Key)
    {
        if (string.IsNullOrWhiteSpace(base64Key))
        {
            return (null, "is missing");
        }

        var key = new byte[64];
        if (!Convert.TryFromBase64String(base64Key.Trim(), key, out var length) || length != 32)
        {
            return (null, "is not a base64 256-bit key (32 random bytes, e.g. `openssl rand -base64 32`)");
        }

        return (new SecretBox(key[..32]), null);
    }

    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Seal(string secret, string tenantId, string purpose)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), Context(tenantId, purpose));
        return Version + Convert.ToBase64String(sealedBytes);
    }

    /// <exception cref="SecretBoxException">Not sealed by this key for this tenant and purpose (a changed key, a copied value).</exception>
    public string Open(string sealedSecret, string tenantId, string purpose)
    {
        byte[] bytes;
        try
        {
            bytes = sealedSecret.StartsWith(Version, StringComparison.Ordinal) ? Convert.FromBase64String(sealedSecret[Version.Length..]) : [];
        }
        catch (FormatException)
        {
            bytes = [];
        }

        if (bytes.Length < NonceSize + TagSize)
        {
            throw new SecretBoxException($"the {purpose} of tenant `{tenantId}` is not a sealed secret");
        }

        var plain = new byte[bytes.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(bytes.AsSpan(0, NonceSize), bytes.AsSpan(NonceSize + TagSize), bytes.AsSpan(NonceSize, TagSize), plain, Context(tenantId, purpose));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SecretBoxException($"the {purpose} of tenant `{tenantId}` was sealed with another Secrets.Key than this node's");
        }

        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] Context(string tenantId, string purpose) => Encoding.UTF8.GetBytes($"{tenantId}/{purpose}");
}

public sealed class SecretBoxException(string message) : Exception(message);
