using System.Collections.Concurrent;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Security;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// The service's own hashing algorithm (<see cref="PasswordHasher.Algorithm"/>, at the host's settings) with a
/// record of every hash it verified: the work a sign-in did, counted instead of timed.
/// </summary>
public sealed class CountingPasswordHasher(IPasswordHasher<PasswordHasher> inner) : IPasswordHasher<PasswordHasher>
{
    private readonly ConcurrentQueue<string> _verified = new();

    /// <summary>The stored hashes (or the dummy hash) that password checks verified against, in order.</summary>
    public IReadOnlyList<string> Verified => [.. _verified];

    public string HashPassword(PasswordHasher user, string password) => inner.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(PasswordHasher user, string hashedPassword, string providedPassword)
    {
        _verified.Enqueue(hashedPassword);
        return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }

    /// <summary>Services for a <see cref="ServiceHost"/> whose password hasher counts into <paramref name="counter"/>.</summary>
    public static Action<IServiceCollection> In(Action<CountingPasswordHasher> counter) => services =>
        services.AddSingleton<IPasswordHasher<PasswordHasher>>(provider =>
        {
            var counting = new CountingPasswordHasher(PasswordHasher.Algorithm(provider.GetRequiredService<IOptions<PasswordHashingOptions>>().Value));
            counter(counting);
            return counting;
        });
}
