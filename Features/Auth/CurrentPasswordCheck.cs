using FluentValidation.Results;
using Microsoft.AspNetCore.Identity;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Http;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Auth;

/// <summary>
/// A signed-in user's password typed again before a change that needs more than a token (a new password, deleting
/// the account). Checked as sign-in checks one, so a stolen access token is no faster way to guess the password:
/// the per-account attempt limit sign-in uses (<see cref="LoginAttemptLimiter"/>, on the address's identity key),
/// hashing admission (503), and a wrong password counted in <c>login_attempts_total{status="failed"}</c>, the
/// series the guessing alert watches.
/// </summary>
public sealed class CurrentPasswordCheck(NpgsqlDataSource database, PasswordHasher passwords, LoginAttemptLimiter attempts, AuthMetrics metrics)
{
    /// <summary>
    /// Null when <paramref name="password"/> is the account's; otherwise the problem to answer: 401 for an account
    /// that is gone, 429 past the limit, and 400 naming <paramref name="field"/> for a wrong password. A wrong
    /// password is the request's fault, named by its field like any other 400, not a 401 (a client reads that as
    /// an access token to refresh) or a 403 (a role it lacks).
    /// </summary>
    public async Task<IResult?> CheckAsync(HttpContext http, Guid userId, string password, string field, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        AccountLookup? lookup;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        {
            lookup = await UserAccounts.FindByIdAsync(connection, userId, cancellationToken);
        }
        if (lookup?.Account is not { } account)
        {
            return CurrentUserProblems.AccountGone();
        }
        using var attempt = attempts.TryAcquire(lookup.EmailKey);
        if (!attempt.IsAcquired)
        {
            return RetryLaterProblems.TooManyRequests(http, attempt.RetryAfter());
        }
        if (await passwords.VerifyAsync(account.PasswordHash, password, cancellationToken) == PasswordVerificationResult.Failed)
        {
            metrics.LoginFailure();
            return TypedResults.Problem(ValidationProblems.Create(
                [new ValidationFailure(field, $"'{field}' is not the account's password.")], http, StatusCodes.Status400BadRequest));
        }
        return null;
    }
}
