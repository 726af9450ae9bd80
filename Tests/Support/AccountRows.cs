using Dapper;
using Npgsql;

namespace MinimalBackend.Tests.Support;

/// <summary>What the database holds of one account, counted table by table, and the audit of its deletion.</summary>
public static class AccountRows
{
    private static readonly string[] JobStates = ["waiting", "failed", "dead", "completed", "active"];

    public sealed record Counts(int Users, int RefreshTokens, int Notifications, int AccountTokens, int Jobs);

    public sealed record Deletion(Guid ActorId, string By);

    public static async Task<Counts> CountAsync(string connectionString, Guid userId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.QuerySingleAsync<Counts>(
            """
            SELECT (SELECT count(*)::int FROM users WHERE id = @Id) AS users,
                   (SELECT count(*)::int FROM refresh_tokens WHERE user_id = @Id) AS refresh_tokens,
                   (SELECT count(*)::int FROM notifications WHERE user_id = @Id) AS notifications,
                   (SELECT count(*)::int FROM account_tokens WHERE user_id = @Id) AS account_tokens,
                   (SELECT count(*)::int FROM jobs WHERE payload ->> 'userId' = @Id::text) AS jobs
            """,
            new { Id = userId });
    }

    /// <summary>One job per state (waiting and failed due in an hour, so no worker runs them) whose payload names the user.</summary>
    public static Task<long[]> InsertJobsAsync(string connectionString, Guid userId, string email) =>
        JobRows.InsertAsync(connectionString, [.. JobStates.Select(state => new NewJobRow(
            "email", "send_welcome_email", state, Payload: $$"""{"userId": "{{userId}}", "email": "{{email}}", "displayName": "Someone"}""",
            RunIn: TimeSpan.FromHours(1)))]);

    public static async Task<IReadOnlyList<Deletion>> DeletionsOfAsync(string connectionString, Guid userId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.QueryAsync<Deletion>(
            "SELECT actor_id, by FROM account_deletions WHERE user_id = @Id ORDER BY id", new { Id = userId })).AsList();
    }

    /// <summary>Which of the jobs still exist.</summary>
    public static async Task<IReadOnlyList<long>> RemainingJobsAsync(string connectionString, IEnumerable<long> ids)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.QueryAsync<long>("SELECT id FROM jobs WHERE id = ANY(@Ids) ORDER BY id", new { Ids = ids.ToArray() })).AsList();
    }
}
