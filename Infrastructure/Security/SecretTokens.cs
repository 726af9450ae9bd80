using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace MinimalBackend.Infrastructure.Security;

/// <summary>
/// Bearer secrets the service hands out (refresh tokens, emailed links): 256 random bits, base64url (43 characters).
/// Only their SHA-256 is stored: a copy of a table does not let anyone use them, and a fast hash is enough for a
/// secret that cannot be guessed (unlike a password).
/// </summary>
public static class SecretTokens
{
    /// <summary>Longer than any token this service makes; a validator refuses longer input before it is hashed.</summary>
    public const int MaxLength = 64;

    public static string Create() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
