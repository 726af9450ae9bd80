using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Http;

namespace MinimalBackend.Features.Auth;

/// <summary>
/// Limits on the anonymous auth endpoints: per client address (a policy of ASP.NET Core's rate limiter, one window per
/// endpoint and address) and, for those that take an email, per email (<see cref="LoginAttemptLimiter"/>,
/// <see cref="EmailLinkLimiter"/>, checked by the endpoint once it has read the email from the body).
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
/// Requests per email identity key (<see cref="AccountLookup.EmailKey"/>), from any client address, so every spelling
/// that reaches one account shares one limit. The price, as with any per-account limit, is that someone who floods an
/// address keeps its owner out for the rest of the window.
/// </summary>
public abstract class EmailKeyLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    protected EmailKeyLimiter(int permits, TimeSpan window, TimeProvider time) =>
        _limiter = PartitionedRateLimiter.Create<string, string>(emailKey => RateLimitPartition.Get(
            emailKey, _ => new FixedWindowLimiter(permits, window, time)));

    /// <summary>Takes one permit for an email's identity key; dispose the lease when done.</summary>
    public RateLimitLease TryAcquire(string emailKey) => _limiter.AttemptAcquire(emailKey);

    public void Dispose()
    {
        _limiter.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Login attempts per email: slows guessing one account's password from many machines; the window is short for the price above.</summary>
public sealed class LoginAttemptLimiter(IOptions<AuthOptions> options, TimeProvider time)
    : EmailKeyLimiter(options.Value.RateLimits.PerEmail, options.Value.RateLimits.Window, time);

/// <summary>
/// Requests for an emailed link (resend confirmation, forgot password, together) per email: bounds the links anyone can
/// make the service send to one mailbox. Counted whether or not the address has an account, so a 429 says nothing of that.
/// </summary>
public sealed class EmailLinkLimiter(IOptions<AuthOptions> options, TimeProvider time)
    : EmailKeyLimiter(options.Value.RateLimits.EmailLinksPerEmail, options.Value.RateLimits.EmailLinkWindow, time);
