using FastEndpoints;
using FluentValidation;
using MinimalBackend.Features.Email;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Auth;

/// <summary>The body of reset-password: the token of the emailed link and the new password.</summary>
public sealed record ResetPasswordRequest(string Token, string NewPassword);

public sealed class ResetPasswordValidator : Validator<ResetPasswordRequest>
{
    public ResetPasswordValidator()
    {
        RuleFor(x => x.Token).NotEmpty().MaximumLength(SecretTokens.MaxLength);
        RuleFor(x => x.NewPassword).ValidNewPassword();
    }
}

/// <summary>
/// Sets a new password with the token of a reset link: 204, and every session of the account is revoked (its refresh
/// tokens no longer refresh), so whoever knew the old password is out. The token is single use, expires and is
/// replaced by a newer one; a refused token is a 400 naming <c>token</c>. The link also proves the mailbox, so the
/// address counts as confirmed afterwards, and is emailed a notice of the change.
/// </summary>
// The notice is SendPasswordChangedEmail, enqueued in the transaction that changes the password.
public sealed class ResetPasswordEndpoint(
    NpgsqlDataSource database, PasswordHasher passwords, AccountTokens tokens, EmailJobs emails, TimeProvider time, AccountEmailMetrics metrics)
    : Endpoint<ResetPasswordRequest>
{
    public override void Configure()
    {
        Post("/api/auth/reset-password");
        AllowAnonymous();
        Options(x => x.RequireRateLimiting(AuthRateLimits.PerClientAddress));
        Description(d => d
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable));
        Summary(s =>
        {
            s.Summary = "Set a new password with the token of the emailed reset link; signs the account out everywhere";
            s.Responses[StatusCodes.Status204NoContent] = "The password is changed and every session of the account revoked";
            s.Responses[StatusCodes.Status400BadRequest] = "The new password breaks the rules, or the token is missing, unknown, used, replaced or expired (errors.token says which)";
            s.Responses[StatusCodes.Status503ServiceUnavailable] = PasswordHasher.BusyDescription;
        });
    }

    public override async Task HandleAsync(ResetPasswordRequest req, CancellationToken ct)
    {
        // Hashed while no connection is held, as at registration: the pool is not held during the hash's CPU work.
        var passwordHash = await passwords.HashAsync(req.NewPassword, ct);

        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var redeemed = await tokens.RedeemAsync(connection, transaction, req.Token, AccountTokenPurpose.PasswordReset, ct);
        if (redeemed is not { Status: AccountTokenStatus.Ok, UserId: { } userId })
        {
            metrics.ResetCompleted(redeemed.Status);
            AddError(EmailLinkProblems.TokenRefused(redeemed.Status));
            await Send.ErrorsAsync(cancellation: ct);
            return;
        }
        var now = time.GetUtcNow();
        await UserAccounts.UpdatePasswordHashAsync(connection, transaction, userId, passwordHash, ct);
        await UserAccounts.ConfirmEmailAsync(connection, transaction, userId, now, ct);
        // Whoever knew the old password is signed out everywhere.
        await SessionTokens.EndOtherSessionsAsync(connection, transaction, userId, keep: null, ct);
        await emails.EnqueuePasswordChangedAsync(connection, transaction, new PasswordChangedEmail(userId, now, WithResetLink: true), ct);
        await transaction.CommitAsync(ct);
        metrics.ResetCompleted(AccountTokenStatus.Ok);
        await Send.NoContentAsync(ct);
    }
}
