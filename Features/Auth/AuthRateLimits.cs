using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Http;

namespace MinimalBackend.Features.Auth;

/// <summary>
/// Limits on the endpoints that take credentials: per client address (a policy of ASP.NET Core's rate limiter,
/// one window per endpoint and address) and, for login, per email (<see cref="LoginAttemptLimiter"/>, checked
/// by the endpoint once it has read the email from the body).
/// </summary>
public static class AuthRateLimits
{
    public const string PerClientAddress = "auth-per-client-address";

    public static void AddPolicies(RateLimiterOptions options) =>
        options.AddPolicy(PerClientAddress, context =>
        {
            var limits = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.RateLimits;
            var time = context.RequestServices.GetRequiredService<TimeProvider>();
            return RateLimitPartition.Get(
                (RouteTemplates.Resolve(context), RateLimiting.ClientAddress(context)),
                _ => new FixedWindowLimiter(limits.PerClientAddress, limits.Window, time));
        });
}

/// <summary>
/// Login attempts per email address, from any client address: slows guessing one account's password from
/// many machines. The price, as with any per-account limit, is that someone who floods an address keeps its
/// owner out for the rest of the window; the window is short for that reason.
/// </summary>
public sealed class LoginAttemptLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public LoginAttemptLimiter(IOptions<AuthOptions> options, TimeProvider time)
    {
        var limits = options.Value.RateLimits;
        _limiter = PartitionedRateLimiter.Create<string, string>(email => RateLimitPartition.Get(
            email, _ => new FixedWindowLimiter(limits.PerEmail, limits.Window, time)));
    }

    /// <summary>
    /// Takes one attempt for an email's identity key (<see cref="AccountLookup.EmailKey"/>), so every spelling that
    /// reaches one account shares one limit; dispose the lease when done.
    /// </summary>
    public RateLimitLease TryAcquire(string emailKey) => _limiter.AttemptAcquire(emailKey);

    public void Dispose() => _limiter.Dispose();
}
