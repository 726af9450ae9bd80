using MinimalBackend.Features.Email;
using MinimalBackend.Features.Users;
using Npgsql;

namespace MinimalBackend.Features.Auth;

/// <summary>
/// Sends a password reset link to the account the address reaches, if any: always 202, with the same body and headers
/// after the same work for an unknown address (<see cref="EmailLinkEndpoint"/>), so nobody learns which addresses have
/// accounts. The link's token lives <c>AccountTokens:PasswordResetLifetime</c> and a newer one replaces it.
/// </summary>
public sealed class ForgotPasswordEndpoint(NpgsqlDataSource database, EmailLinkLimiter limiter, EmailJobs emailJobs, AccountEmailMetrics metrics)
    : EmailLinkEndpoint(database, limiter)
{
    public override void Configure() =>
        ConfigureEmailLink("/api/auth/forgot-password", "Email a link that resets a forgotten password");

    protected override async Task EnqueueAsync(AccountLookup lookup, CancellationToken ct)
    {
        await emailJobs.EnqueuePasswordResetAsync(new PasswordResetEmail(lookup.Account?.Id), ct);
        metrics.ResetRequested(accountExists: lookup.Account is not null);
    }
}
