using FastEndpoints;
using MinimalBackend.Features.Email;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Auth;

public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);

public sealed class ChangePasswordValidator : Validator<ChangePasswordRequest>
{
    public ChangePasswordValidator()
    {
        RuleFor(x => x.CurrentPassword).EnteredPassword();
        RuleFor(x => x.NewPassword).ValidNewPassword();
    }
}

/// <summary>
/// Changes the signed-in user's password, proven by the current one, which is checked as sign-in checks one (the
/// same limits, 429 and 503). The account's other sessions end (their refresh tokens are refused from now on):
/// whoever else holds one must sign in again with the new password. The calling session stays signed in. The
/// account's address is emailed a notice of the change.
/// </summary>
// The notice is SendPasswordChangedEmail, enqueued in the transaction that changes the password.
// The calling session is the access token's sid (its refresh-token family); a token without one ends every session.
public sealed partial class ChangePasswordEndpoint(
    NpgsqlDataSource database, PasswordHasher passwords, CurrentPasswordCheck currentPassword, EmailJobs emails, TimeProvider time,
    ILogger<ChangePasswordEndpoint> logger)
    : Endpoint<ChangePasswordRequest>
{
    public override void Configure()
    {
        Post("/api/users/me/password");
        Group<SignedInApi>();
        Options(x => x.RequireRateLimiting(AuthRateLimits.PerClientAddress));
        Description(d => d
            .ClearDefaultProduces(StatusCodes.Status200OK)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable));
        Summary(s =>
        {
            s.Summary = "Change the signed-in user's password; the account's other sessions end";
            s.Responses[StatusCodes.Status400BadRequest] =
                "A field breaks a rule, or `currentPassword` is not the account's password (then `errors.currentPassword` says so)";
            s.Responses[StatusCodes.Status503ServiceUnavailable] = PasswordHasher.BusyDescription;
        });
    }

    public override async Task HandleAsync(ChangePasswordRequest req, CancellationToken ct)
    {
        var userId = User.SignedInUserId()!.Value;
        if (await currentPassword.CheckAsync(HttpContext, userId, req.CurrentPassword, "currentPassword", ct) is { } refused)
        {
            await Send.ResultAsync(refused);
            return;
        }

        // Hashed while no connection is held, as at registration.
        var newHash = await passwords.HashAsync(req.NewPassword, ct);
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await UserAccounts.UpdatePasswordHashAsync(connection, transaction, userId, newHash, ct);
        var ended = await SessionTokens.EndOtherSessionsAsync(connection, transaction, userId, keep: User.SessionIdOf(), ct);
        await emails.EnqueuePasswordChangedAsync(connection, transaction, new PasswordChangedEmail(userId, time.GetUtcNow(), WithResetLink: false), ct);
        await transaction.CommitAsync(ct);
        LogChanged(logger, userId, ended);
        await Send.NoContentAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} changed their password; {Sessions} other sessions ended")]
    private static partial void LogChanged(ILogger logger, Guid userId, int sessions);
}
