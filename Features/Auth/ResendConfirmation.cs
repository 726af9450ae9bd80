using MinimalBackend.Features.Email;
using MinimalBackend.Features.Users;
using Npgsql;

namespace MinimalBackend.Features.Auth;

/// <summary>
/// Sends the address a new confirmation link if it has an unconfirmed account: always 202, the same for an unknown
/// address and a confirmed one (<see cref="EmailLinkEndpoint"/>). Earlier links stay usable until they expire.
/// </summary>
public sealed class ResendConfirmationEndpoint(NpgsqlDataSource database, EmailLinkLimiter limiter, EmailJobs emailJobs)
    : EmailLinkEndpoint(database, limiter)
{
    public override void Configure() =>
        ConfigureEmailLink("/api/auth/resend-confirmation", "Email a new link that confirms the account's address");

    protected override Task EnqueueAsync(AccountLookup lookup, CancellationToken ct) =>
        emailJobs.EnqueueConfirmationAsync(new ConfirmationEmail(lookup.Account?.Id), ct);
}
