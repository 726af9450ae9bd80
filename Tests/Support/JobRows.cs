using Dapper;
using Npgsql;

namespace MinimalBackend.Tests.Support;

public sealed record JobRow(long Id, string Queue, string Type, string State, int Attempts, int MaxAttempts, string? LastError,
    string? LeaseOwner, DateTime RunAt, DateTime? FinishedAt);

/// <summary>The jobs table as an operator sees it, for the rows a test made.</summary>
public static class JobRows
{
    public static async Task<IReadOnlyList<JobRow>> ReadAsync(string connectionString, IEnumerable<long> ids)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.QueryAsync<JobRow>(
            """
            SELECT id, queue, type, state, attempts, max_attempts, last_error, lease_owner, run_at, finished_at
            FROM jobs WHERE id = ANY(@Ids) ORDER BY id
            """,
            new { Ids = ids.ToArray() })).AsList();
    }

    public static async Task<JobRow> ReadAsync(string connectionString, long id) => (await ReadAsync(connectionString, [id])).Single();

    /// <summary>Waits until every one of these jobs is in a final state (completed or dead) and returns them.</summary>
    public static Task<IReadOnlyList<JobRow>> WaitUntilFinishedAsync(string connectionString, IReadOnlyCollection<long> ids) =>
        Eventually.UntilAsync(
            () => ReadAsync(connectionString, ids),
            rows => rows.Count == ids.Count && rows.All(r => r.State is "completed" or "dead"),
            $"{ids.Count} jobs to finish");
}
