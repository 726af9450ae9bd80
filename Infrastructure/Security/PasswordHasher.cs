using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Http;

namespace MinimalBackend.Infrastructure.Security;

/// <summary>
/// ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2-HMAC-SHA512, random salt, the iteration
/// count stored in each hash) behind a concurrency limit. One hash costs tens of milliseconds of one core by
/// design; the limit keeps a flood of sign-ins from taking every core, and the bounded queue turns overload
/// into a quick 503 instead of an ever longer wait.
/// </summary>
public sealed class PasswordHasher : IDisposable
{
    /// <summary>What a 503 from an endpoint that hashes means, for its OpenAPI description.</summary>
    public const string BusyDescription = "Every password hashing slot and its queue are taken; try again after Retry-After";

    private static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(1);

    private readonly IPasswordHasher<PasswordHasher> _hasher;
    private readonly ConcurrencyLimiter _slots;
    private readonly Lazy<string> _dummyHash;

    public PasswordHasher(IOptions<PasswordHashingOptions> options)
        : this(options, Algorithm(options.Value))
    {
    }

    /// <summary>With the hashing algorithm given (the tests wrap <see cref="Algorithm"/> to count the hashes computed).</summary>
    public PasswordHasher(IOptions<PasswordHashingOptions> options, IPasswordHasher<PasswordHasher> algorithm)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        _hasher = algorithm;
        _slots = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = settings.EffectiveMaxConcurrentHashes,
            QueueLimit = settings.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _dummyHash = new(() => _hasher.HashPassword(this, "a password nobody has, hashed with the current settings"));
    }

    /// <summary>The algorithm at these settings. Its user type is unused (PasswordHasher&lt;T&gt; never looks at the user).</summary>
    public static IPasswordHasher<PasswordHasher> Algorithm(PasswordHashingOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new PasswordHasher<PasswordHasher>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = settings.IterationCount,
        }));
    }

    public async Task<string> HashAsync(string password, CancellationToken cancellationToken)
    {
        using var slot = await AcquireSlotAsync(cancellationToken);
        return _hasher.HashPassword(this, password);
    }

    /// <summary>
    /// Checks a password against a stored hash. Pass null when there is no such account: a dummy hash made
    /// with the same settings is checked instead, so an unknown email costs the same time as a wrong password.
    /// </summary>
    public async Task<PasswordVerificationResult> VerifyAsync(string? storedHash, string password, CancellationToken cancellationToken)
    {
        using var slot = await AcquireSlotAsync(cancellationToken);
        try
        {
            var result = _hasher.VerifyHashedPassword(this, storedHash ?? _dummyHash.Value, password);
            return storedHash is null ? PasswordVerificationResult.Failed : result;
        }
        catch (FormatException)
        {
            // A stored value that is not a hash this hasher wrote (not base64) matches no password.
            return PasswordVerificationResult.Failed;
        }
    }

    public void Dispose() => _slots.Dispose();

    private async Task<RateLimitLease> AcquireSlotAsync(CancellationToken cancellationToken)
    {
        var slot = await _slots.AcquireAsync(1, cancellationToken);
        if (!slot.IsAcquired)
        {
            slot.Dispose();
            throw new ServiceBusyException("Too many sign-ins are being checked right now.", BusyRetryAfter);
        }
        return slot;
    }
}
