using Dapper;
using Npgsql;

namespace MinimalBackend.Tests.Support;

public sealed record NotificationRow(Guid Id, Guid UserId, string Title, string Body, string Data, DateTime CreatedAt, DateTime? ReadAt);

/// <summary>The notifications table, for the rows a test made: written as a job would store them, read as an operator would.</summary>
public static class NotificationRows
{
    /// <summary>Stores a notification straight in the table (no job, no NOTIFY), <paramref name="age"/> old.</summary>
    public static async Task<Guid> InsertAsync(string connectionString, Guid userId, string title, TimeSpan age = default, bool read = false)
    {
        var id = Guid.CreateVersion7();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync(
            """
            INSERT INTO notifications (id, user_id, title, body, data, created_at, read_at)
            VALUES (@Id, @UserId, @Title, 'Body of ' || @Title, '{"source": "test"}', now() - @Age, CASE WHEN @Read THEN now() END)
            """,
            new { Id = id, UserId = userId, Title = title, Age = age, Read = read });
        return id;
    }

    public static async Task<NotificationRow?> FindAsync(string connectionString, Guid id)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.QuerySingleOrDefaultAsync<NotificationRow>(
            "SELECT id, user_id, title, body, data::text AS data, created_at, read_at FROM notifications WHERE id = @Id", new { Id = id });
    }

    public static async Task<IReadOnlyList<NotificationRow>> OfUserAsync(string connectionString, Guid userId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.QueryAsync<NotificationRow>(
            "SELECT id, user_id, title, body, data::text AS data, created_at, read_at FROM notifications WHERE user_id = @UserId ORDER BY created_at",
            new { UserId = userId })).AsList();
    }
}
