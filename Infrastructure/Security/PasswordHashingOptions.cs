namespace MinimalBackend.Infrastructure.Security;

/// <summary>Bound from the <c>PasswordHashing</c> section.</summary>
public sealed class PasswordHashingOptions
{
    public const string SectionName = "PasswordHashing";

    public const int MinMemoryKiB = 8;
    public const int MaxMemoryKiB = 1024 * 1024;
    public const int MaxPasses = 64;

    /// <summary>
    /// Argon2id's memory per hash in KiB: with <see cref="Passes"/> 2, the first configuration OWASP's Password Storage
    /// Cheat Sheet gives (19 MiB). Raising either upgrades each user's stored hash at their next sign-in.
    /// </summary>
    public int MemoryKiB { get; set; } = 19 * 1024;

    /// <summary>Argon2id's passes over its memory (its time cost).</summary>
    public int Passes { get; set; } = 2;

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
