using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using NSec.Cryptography;

namespace MinimalBackend.Infrastructure.Security;

/// <summary>
/// Argon2id (libsodium's, through NSec) written in the PHC string format libsodium's own <c>crypto_pwhash_str</c>
/// writes, so other tools can read it: <c>$argon2id$v=19$m=19456,t=2,p=1$salt$hash</c>, salt and hash in unpadded
/// base64. The parameters are stored in each hash: a hash made with less memory or fewer passes than configured still
/// verifies and asks for a rehash. Hashes written before Argon2id (ASP.NET Core Identity's v3 format, PBKDF2-HMAC-SHA512
/// with its iteration count in its header) verify too and always ask for one, so each account moves to Argon2id at its
/// next sign-in.
/// </summary>
public sealed class Argon2idPasswordHasher : IPasswordHasher<PasswordHasher>
{
    private const string Prefix = "$argon2id$v=19$";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    // Verifies any v3 hash at the iteration count in its header; it never writes one.
    private static readonly PasswordHasher<PasswordHasher> Pbkdf2 = new();

    private readonly int _memoryKiB;
    private readonly int _passes;
    private readonly Argon2id _configured;

    public Argon2idPasswordHasher(PasswordHashingOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _memoryKiB = settings.MemoryKiB;
        _passes = settings.Passes;
        _configured = Algorithm(_memoryKiB, _passes);
    }

    public string HashPassword(PasswordHasher user, string password)
    {
        Span<byte> salt = stackalloc byte[SaltBytes];
        RandomNumberGenerator.Fill(salt);
        var hash = Derive(_configured, password, salt, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}m={_memoryKiB},t={_passes},p=1${Base64(salt)}${Base64(hash)}");
    }

    /// <summary>Throws <see cref="FormatException"/> for a stored value that is neither format.</summary>
    public PasswordVerificationResult VerifyHashedPassword(PasswordHasher user, string hashedPassword, string providedPassword)
    {
        ArgumentNullException.ThrowIfNull(hashedPassword);
        if (!hashedPassword.StartsWith("$argon2", StringComparison.Ordinal))
        {
            return Pbkdf2.VerifyHashedPassword(user, hashedPassword, providedPassword) == PasswordVerificationResult.Failed
                ? PasswordVerificationResult.Failed
                : PasswordVerificationResult.SuccessRehashNeeded;
        }

        var (memoryKiB, passes, salt, expected) = Parse(hashedPassword);
        var algorithm = memoryKiB == _memoryKiB && passes == _passes ? _configured : Algorithm(memoryKiB, passes);
        var actual = Derive(algorithm, providedPassword, salt, expected.Length);
        if (!CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            return PasswordVerificationResult.Failed;
        }
        return memoryKiB < _memoryKiB || passes < _passes ? PasswordVerificationResult.SuccessRehashNeeded : PasswordVerificationResult.Success;
    }

    /// <summary>
    /// Over the password's UTF-8 bytes, as libsodium's tools and other PHC implementations hash it (and as the
    /// PBKDF2 of before did): NSec's own string overload would hash its UTF-16 code units instead.
    /// </summary>
    private static byte[] Derive(Argon2id algorithm, string password, ReadOnlySpan<byte> salt, int count)
    {
        var bytes = Encoding.UTF8.GetBytes(password);
        try
        {
            return algorithm.DeriveBytes(bytes, salt, count);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static Argon2id Algorithm(int memoryKiB, int passes)
    {
        var parameters = new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = memoryKiB, NumberOfPasses = passes };
        return PasswordBasedKeyDerivationAlgorithm.Argon2id(in parameters);
    }

    /// <summary>
    /// A stored Argon2id hash, within the bounds <see cref="PasswordHashingOptions"/> allows for new ones: a stored value
    /// asking for gigabytes of memory is refused rather than allocated.
    /// </summary>
    private static (int MemoryKiB, int Passes, byte[] Salt, byte[] Hash) Parse(string stored)
    {
        // "", "argon2id", "v=19", "m=...,t=...,p=1", salt, hash
        var parts = stored.Split('$');
        if (parts is not ["", "argon2id", "v=19", var parameters, var salt, var hash])
        {
            throw new FormatException("Not an Argon2id hash (version 19) in the PHC string format.");
        }
        var (memoryKiB, passes) = parameters.Split(',') is [['m', '=', .. var m], ['t', '=', .. var t], "p=1"]
            && int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out var memory)
            && int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var time)
                ? (memory, time)
                : throw new FormatException("An Argon2id hash's parameters are not m=<KiB>,t=<passes>,p=1.");
        if (memoryKiB is < PasswordHashingOptions.MinMemoryKiB or > PasswordHashingOptions.MaxMemoryKiB
            || passes is < 1 or > PasswordHashingOptions.MaxPasses)
        {
            throw new FormatException("An Argon2id hash's parameters are outside the bounds of PasswordHashing:MemoryKiB and Passes.");
        }
        var saltBytes = FromBase64(salt);
        var hashBytes = FromBase64(hash);
        if (saltBytes.Length != SaltBytes || hashBytes.Length is < 16 or > 64)
        {
            throw new FormatException("An Argon2id hash's salt is not 16 bytes or its hash not 16 to 64.");
        }
        return (memoryKiB, passes, saltBytes, hashBytes);
    }

    private static string Base64(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[] FromBase64(string unpadded) =>
        unpadded.Length % 4 == 1 || unpadded.Contains('=', StringComparison.Ordinal)
            ? throw new FormatException("Not unpadded base64.")
            : Convert.FromBase64String(unpadded + new string('=', (4 - unpadded.Length % 4) % 4));
}
