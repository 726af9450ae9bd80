using System.Globalization;
using System.Text;
using Dapper;
using Npgsql;

namespace MinimalBackend.Features.Users;

/// <summary>An account to create: the address as the client wrote it, the password already hashed.</summary>
public sealed record NewAccount(string Email, string PasswordHash, string DisplayName, string Role);

/// <summary>What signing in needs of an account.</summary>
public sealed record AccountCredentials(Guid Id, string Role, string PasswordHash, bool EmailConfirmed);

/// <summary>Where an account's emails go, and whether its address is confirmed yet.</summary>
public sealed record AccountRecipient(Guid Id, string Email, string DisplayName, bool EmailConfirmed);

/// <summary>An address's identity key (<see cref="UserAccounts"/>), and the account it reaches, if any.</summary>
public sealed record AccountLookup(string EmailKey, AccountCredentials? Account);

/// <summary>
/// Account storage, for Auth and Email: creating accounts, finding one by email or id, setting a password hash,
/// confirming an address, reading a role or where an account's emails go. Every method joins the caller's connection
/// (and transaction, where it writes), so Auth's unit of work
/// stays one transaction while the <c>users</c> table stays Users' alone.
/// </summary>
/// <remarks>
/// The one email identity rule: an address's key is its Unicode NFKC normalisation with the ASCII letters A to Z
/// lower-cased. The key decides uniqueness (a unique index on <c>users.email_key</c>), the sign-in lookup, and
/// the per-email sign-in limit. NFKC folds the spellings that reach the same mailbox (the Kelvin sign U+212A is
/// K, fullwidth letters, ligatures, composed and decomposed accents). Upper-case letters outside ASCII are where
/// no single case fold is safe (Turkish dotted and dotless i, Greek final sigma, German capital sharp s fold
/// differently by language, and .NET and PostgreSQL disagree on them), so a new address whose key holds one is
/// refused (<see cref="IsSafelyFolded"/>): clients write such letters in lower case. The rule is computed in
/// one place, PostgreSQL's <c>email_identity_key</c> function (migration 0006), which also generates the
/// column: the service runs with invariant globalization, where .NET does not normalise Unicode at all.
/// </remarks>
public static class UserAccounts
{
    private const string EmailKeyIndex = "users_email_key";

    /// <summary>Why a new address was refused by <see cref="CanCreateWithAsync"/>, for the client.</summary>
    public const string UnsafeCaseMessage =
        "'email' must write letters outside A-Z in lower case: their upper case has no single lower case in every language.";

    /// <summary>The identity key of an address, as PostgreSQL computes it.</summary>
    public static async Task<string> IdentityKeyAsync(NpgsqlConnection connection, string email, CancellationToken cancellationToken) =>
        (await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT email_identity_key(@Email)", new { Email = email }, cancellationToken: cancellationToken)))!;

    /// <summary>Whether a new account may have this address under the identity rule (<see cref="IsSafelyFolded"/>).</summary>
    public static async Task<bool> CanCreateWithAsync(NpgsqlConnection connection, string email, CancellationToken cancellationToken) =>
        IsSafelyFolded(await IdentityKeyAsync(connection, email, cancellationToken));

    /// <summary>
    /// False when the key holds an upper-case or title-case letter (which can only be outside ASCII): an address
    /// for a new account is refused then, because no fold of it is the same in every language.
    /// </summary>
    public static bool IsSafelyFolded(string emailKey)
    {
        ArgumentNullException.ThrowIfNull(emailKey);
        foreach (var rune in emailKey.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Inserts the account, or returns null when its email's identity key is taken. The unique index decides,
    /// not a lookup before the insert: of two registrations racing for one address, exactly one wins.
    /// </summary>
    public static async Task<UserResponse?> TryCreateAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, NewAccount account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(account);
        try
        {
            return await connection.QuerySingleAsync<UserResponse>(new CommandDefinition(
                $"""
                INSERT INTO users (email, password_hash, display_name, role)
                VALUES (@Email, @PasswordHash, @DisplayName, @Role)
                RETURNING {UserResponse.Columns}
                """,
                account,
                transaction,
                cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == EmailKeyIndex)
        {
            return null;
        }
    }

    /// <summary>The address's identity key and the account it reaches under the rule, in one round trip.</summary>
    public static async Task<AccountLookup> FindByEmailAsync(NpgsqlConnection connection, string email, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleAsync<(string EmailKey, Guid? Id, string? Role, string? PasswordHash, bool EmailConfirmed)>(new CommandDefinition(
            """
            SELECT k.email_key, u.id, u.role, u.password_hash, u.email_confirmed_at IS NOT NULL AS email_confirmed
            FROM email_identity_key(@Email) AS k (email_key)
            LEFT JOIN users u ON u.email_key = k.email_key AND NOT u.email_key_shadowed
            """,
            new { Email = email },
            cancellationToken: cancellationToken));
        return new AccountLookup(row.EmailKey, row.Id is { } id ? new AccountCredentials(id, row.Role!, row.PasswordHash!, row.EmailConfirmed) : null);
    }

    /// <summary>The account of <paramref name="userId"/> and its address's identity key, or null when there is no such account.</summary>
    public static async Task<AccountLookup?> FindByIdAsync(NpgsqlConnection connection, Guid userId, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(string EmailKey, Guid Id, string Role, string PasswordHash, bool EmailConfirmed)?>(new CommandDefinition(
            "SELECT email_key, id, role, password_hash, email_confirmed_at IS NOT NULL AS email_confirmed FROM users WHERE id = @Id",
            new { Id = userId }, cancellationToken: cancellationToken));
        return row is { } found ? new AccountLookup(found.EmailKey, new AccountCredentials(found.Id, found.Role, found.PasswordHash, found.EmailConfirmed)) : null;
    }

    public static Task UpdatePasswordHashAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, string passwordHash, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET password_hash = @PasswordHash, updated_at = now() WHERE id = @Id",
            new { Id = userId, PasswordHash = passwordHash },
            transaction,
            cancellationToken: cancellationToken));

    /// <summary>The account's role now, or null when the account no longer exists.</summary>
    public static Task<string?> RoleAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT role FROM users WHERE id = @Id", new { Id = userId }, transaction, cancellationToken: cancellationToken));

    /// <summary>Marks the account's address confirmed (the first confirmation's time is kept); false when the account no longer exists.</summary>
    public static async Task<bool> ConfirmEmailAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET email_confirmed_at = coalesce(email_confirmed_at, @Now), updated_at = now() WHERE id = @Id",
            new { Id = userId, Now = now },
            transaction,
            cancellationToken: cancellationToken)) == 1;

    /// <summary>Where the account's emails go, or null when the account no longer exists.</summary>
    public static Task<AccountRecipient?> RecipientAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<AccountRecipient?>(new CommandDefinition(
            "SELECT id, email, display_name, email_confirmed_at IS NOT NULL AS email_confirmed FROM users WHERE id = @Id",
            new { Id = userId }, transaction, cancellationToken: cancellationToken));
}
