using Dapper;
using MinimalBackend.Infrastructure.Jobs;
using Npgsql;

namespace MinimalBackend.Features.Users;

public enum AccountDeletionOutcome
{
    Deleted,
    NotFound,
    LastAdministrator,
}

/// <summary>
/// Deletes an account and everything of it in one transaction: the <c>users</c> row, and with it (foreign keys
/// <c>ON DELETE CASCADE</c>) its notifications and refresh tokens, so every session ends at its next refresh;
/// its jobs that no worker holds (<see cref="JobQueues.DeleteJobsOfUserAsync"/>: queued emails are never sent);
/// and an audit row (<c>account_deletions</c>: ids and time only). The service's last administrator is never
/// deleted: nobody could make another one through the API.
/// </summary>
public sealed partial class AccountDeletion(NpgsqlDataSource database, UsersMetrics metrics, ILogger<AccountDeletion> logger)
{
    public const string BySelf = "self";
    public const string ByAdmin = "admin";

    /// <summary>Deletes <paramref name="userId"/>'s account; <paramref name="actorId"/> is who asked (the user, for <see cref="BySelf"/>).</summary>
    public async Task<AccountDeletionOutcome> DeleteAsync(Guid userId, Guid actorId, string by, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var role = await UserAccounts.RoleAsync(connection, transaction, userId, cancellationToken);
        if (role is null)
        {
            return AccountDeletionOutcome.NotFound;
        }
        if (role == UserRoles.Admin && !await AccountDeletionData.AnotherAdministratorRemainsAsync(connection, transaction, userId, cancellationToken))
        {
            return AccountDeletionOutcome.LastAdministrator;
        }
        var jobs = await JobQueues.DeleteJobsOfUserAsync(connection, transaction, userId, cancellationToken);
        if (!await AccountDeletionData.DeleteAsync(connection, transaction, userId, cancellationToken))
        {
            // Deleted meanwhile by another request, which counted and audited it.
            return AccountDeletionOutcome.NotFound;
        }
        await AccountDeletionData.AuditAsync(connection, transaction, userId, actorId, by, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.UserDeleted(by);
        LogDeleted(logger, userId, by, actorId, jobs);
        return AccountDeletionOutcome.Deleted;
    }

    [LoggerMessage(EventName = "AccountDeleted", Level = LogLevel.Information,
        Message = "Account {UserId} deleted by {By} {ActorId}; {Jobs} of its jobs deleted")]
    private static partial void LogDeleted(ILogger logger, Guid userId, string by, Guid actorId, int jobs);
}

public static class AccountDeletionData
{
    /// <summary>
    /// Whether an administrator other than <paramref name="userId"/> exists. Administrator deletions take one
    /// transaction lock first, so two administrators deleting each other at once are decided one after the other
    /// (the second sees the first gone) instead of leaving none.
    /// </summary>
    public static async Task<bool> AnotherAdministratorRemainsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtext('account_deletions:administrators'))", transaction: transaction, cancellationToken: cancellationToken));
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM users WHERE role = @Admin AND id <> @Id)",
            new { Admin = UserRoles.Admin, Id = userId }, transaction, cancellationToken: cancellationToken));
    }

    public static async Task<bool> DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM users WHERE id = @Id", new { Id = userId }, transaction, cancellationToken: cancellationToken)) == 1;

    public static Task AuditAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, Guid actorId, string by, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO account_deletions (user_id, actor_id, by) VALUES (@UserId, @ActorId, @By)",
            new { UserId = userId, ActorId = actorId, By = by }, transaction, cancellationToken: cancellationToken));
}
