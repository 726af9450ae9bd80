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

    /// <summary>
    /// Hashes computed at the same time; 0 means one per processor. They run at a lower scheduling priority than
    /// requests (<see cref="LowPriorityThreads"/>), so a burst of sign-ins uses the idle cores and a flood of them
    /// still leaves the CPU to every other request.
    /// </summary>
    public int MaxConcurrentHashes { get; set; }

    /// <summary>
    /// The longest a sign-in may be expected to wait for a hashing slot (the hashes ahead of it, shared among the
    /// slots, at the hash time measured as they run); beyond it 503 with Retry-After instead of a longer wait.
    /// </summary>
    public TimeSpan MaxExpectedWait { get; set; } = TimeSpan.FromSeconds(5);

    public int EffectiveMaxConcurrentHashes => MaxConcurrentHashes > 0 ? MaxConcurrentHashes : Environment.ProcessorCount;
}
