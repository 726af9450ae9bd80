using MinimalBackend.Features.Users;
using Npgsql;

namespace MinimalBackend.Features.Email;

/// <summary>
/// Whether an email's account still exists when its job runs. Deleting an account deletes its queued email jobs
/// in the same transaction; this covers the one a worker had already claimed. The welcome email asks it first (its
/// payload carries the address); the account-link emails read their recipient when they run, and skip a deleted one.
/// </summary>
public sealed partial class EmailRecipients(NpgsqlDataSource database, ILogger<EmailRecipients> logger)
{
    public async Task<bool> StillExistsAsync(Guid userId, string jobType, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        if (await UserDirectory.ExistsAsync(connection, userId, cancellationToken))
        {
            return true;
        }
        LogSkipped(logger, jobType, userId);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Email {JobType} not sent: user {UserId} no longer exists")]
    private static partial void LogSkipped(ILogger logger, string jobType, Guid userId);
}
