using Dapper;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Users;

/// <summary>What an emailed link's token is for; the <c>account_tokens.purpose</c> check constraint's closed set.</summary>
public enum AccountTokenPurpose
{
    EmailConfirmation,
    PasswordReset,
}

/// <summary>What became of a presented token: <see cref="Invalid"/> covers unknown, used and superseded alike.</summary>
public enum AccountTokenStatus
{
    Ok,
    Invalid,
    Expired,
}

/// <summary>A redeemed token's outcome, and its account when it was <see cref="AccountTokenStatus.Ok"/>.</summary>
public sealed record AccountTokenRedemption(AccountTokenStatus Status, Guid? UserId);

/// <summary>Bound from the <c>AccountTokens</c> section: how long an emailed link's token can be used.</summary>
public sealed class AccountTokensOptions
{
    public const string SectionName = "AccountTokens";

    public TimeSpan EmailConfirmationLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Short: a reset link in a mailbox that someone else reads later should be useless by then (OWASP's Forgot Password cheat sheet).</summary>
    public TimeSpan PasswordResetLifetime { get; set; } = TimeSpan.FromMinutes(30);

    public TimeSpan LifetimeOf(AccountTokenPurpose purpose) =>
        purpose == AccountTokenPurpose.PasswordReset ? PasswordResetLifetime : EmailConfirmationLifetime;
}

/// <summary>
/// The tokens of the links emailed to an account's owner (confirm the address, reset the password): <see cref="SecretTokens"/>,
/// stored only as their hash, single use, expiring on the service's clock. Issued by the job that sends the email, never
/// before (a job's payload is kept after it ran; the raw token must not be), redeemed by the endpoint the link's page
/// posts to. A new password reset token supersedes the account's earlier unused ones; confirmation tokens do not supersede
/// each other (each emailed link confirms the same address), and all of them end when one is used.
/// </summary>
public sealed class AccountTokens(IOptions<AccountTokensOptions> options, TimeProvider time)
{
    /// <summary>
    /// Stores a new token for the account, in the caller's transaction, and returns it (the raw token, for the email only).
    /// Also deletes the account's tokens of this purpose that can no longer be used, so rows do not pile up.
    /// </summary>
    public async Task<string> IssueAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, AccountTokenPurpose purpose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var now = time.GetUtcNow();
        var token = SecretTokens.Create();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM account_tokens
            WHERE user_id = @UserId AND purpose = @Purpose
              AND (used_at IS NOT NULL OR expires_at <= @Now OR @Supersede);
            INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at)
            VALUES (@Hash, @UserId, @Purpose, @Now, @ExpiresAt);
            """,
            new
            {
                Hash = SecretTokens.Hash(token),
                UserId = userId,
                Purpose = Name(purpose),
                Now = now,
                ExpiresAt = now + options.Value.LifetimeOf(purpose),
                Supersede = purpose == AccountTokenPurpose.PasswordReset,
            },
            transaction,
            cancellationToken: cancellationToken));
        return token;
    }

    /// <summary>
    /// Uses the token up, in the caller's transaction, if it is a live one of this purpose, and with it the account's other
    /// tokens of the purpose (an address confirmed once needs no other link). The row lock makes two requests racing with one token redeem it once.
    /// </summary>
    public async Task<AccountTokenRedemption> RedeemAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string token, AccountTokenPurpose purpose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var stored = await connection.QuerySingleOrDefaultAsync<StoredToken>(new CommandDefinition(
            "SELECT user_id, expires_at, used_at FROM account_tokens WHERE token_hash = @Hash AND purpose = @Purpose FOR UPDATE",
            new { Hash = SecretTokens.Hash(token), Purpose = Name(purpose) },
            transaction,
            cancellationToken: cancellationToken));
        if (stored is not { UsedAt: null } live)
        {
            return new AccountTokenRedemption(AccountTokenStatus.Invalid, null);
        }
        var now = time.GetUtcNow();
        if (live.ExpiresAt <= now.UtcDateTime)
        {
            return new AccountTokenRedemption(AccountTokenStatus.Expired, null);
        }
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE account_tokens SET used_at = @Now
            WHERE used_at IS NULL AND (token_hash = @Hash OR (user_id = @UserId AND purpose = @Purpose))
            """,
            new { Hash = SecretTokens.Hash(token), live.UserId, Purpose = Name(purpose), Now = now },
            transaction,
            cancellationToken: cancellationToken));
        return new AccountTokenRedemption(AccountTokenStatus.Ok, live.UserId);
    }

    private sealed record StoredToken(Guid UserId, DateTime ExpiresAt, DateTime? UsedAt);

    private static string Name(AccountTokenPurpose purpose) =>
        purpose == AccountTokenPurpose.PasswordReset ? "password_reset" : "email_confirmation";
}
