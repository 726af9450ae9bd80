using Dapper;
using Npgsql;

namespace MinimalBackend.Features.Users;

/// <summary>What other features may ask of Users about who exists, without reading the users table themselves.</summary>
public static class UserDirectory
{
    public static Task<bool> ExistsAsync(NpgsqlConnection connection, Guid userId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = @Id)", new { Id = userId }, cancellationToken: cancellationToken));

    /// <summary>
    /// The next <paramref name="limit"/> user ids after <paramref name="after"/> (from the first when null), in id
    /// order, of the users who signed up before <paramref name="signedUpBefore"/>: a walk over every user that
    /// ends however many sign up meanwhile, one primary-key range at a time.
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> IdsAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid? after, DateTime signedUpBefore, int limit, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT id FROM users
            WHERE (@After::uuid IS NULL OR id > @After) AND created_at < @SignedUpBefore
            ORDER BY id
            LIMIT @Limit
            """,
            new { After = after, SignedUpBefore = signedUpBefore, Limit = limit },
            transaction, cancellationToken: cancellationToken))).AsList();
}
