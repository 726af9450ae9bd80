namespace MinimalBackend.Infrastructure.Security;

/// <summary>Bound from the <c>PasswordHashing</c> section.</summary>
public sealed class PasswordHashingOptions
{
    public const string SectionName = "PasswordHashing";

    /// <summary>
    /// PBKDF2-HMAC-SHA512 iterations: OWASP's Password Storage Cheat Sheet figure (Identity's own default is 100,000).
    /// Raising it upgrades each user's stored hash at their next sign-in.
    /// </summary>
    public int IterationCount { get; set; } = 220_000;

    /// <summary>Hashes computed at the same time; 0 means half the processor count (at least one), so sign-ins leave CPU for every other request.</summary>
    public int MaxConcurrentHashes { get; set; }

    /// <summary>Requests that may wait for a hashing slot; beyond it they get 503 with Retry-After instead of waiting without bound.</summary>
    public int QueueLimit { get; set; } = 32;

    public int EffectiveMaxConcurrentHashes => MaxConcurrentHashes > 0 ? MaxConcurrentHashes : Math.Max(1, Environment.ProcessorCount / 2);
}
