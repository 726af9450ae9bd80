namespace MinimalBackend.Features.Admin.Queues;

/// <summary>
/// The audit trail of what administrators did to the queues: one structured event per action, with the
/// admin's user id (<c>AdminId</c>), under one source context
/// (<c>MinimalBackend.Features.Admin.Queues.QueueAudit</c>) so a log query finds them all. Refused and
/// no-op actions are recorded too: who tried what matters as much as what changed.
/// </summary>
public sealed partial class QueueAudit(ILogger<QueueAudit> logger)
{
    public void JobRetried(Guid? adminId, string queue, long jobId, string stateBefore) =>
        LogJobRetried(logger, adminId, jobId, queue, stateBefore);

    public void JobRetryRefused(Guid? adminId, string queue, long jobId, string? state) =>
        LogJobRetryRefused(logger, adminId, jobId, queue, state ?? "not found");

    public void DeadJobsRetried(Guid? adminId, string queue, int jobs) =>
        LogDeadJobsRetried(logger, adminId, jobs, queue);

    public void CompletedJobsDeleted(Guid? adminId, string queue, int jobs, int olderThanMinutes) =>
        LogCompletedJobsDeleted(logger, adminId, jobs, queue, olderThanMinutes);

    public void QueuePaused(Guid? adminId, string queue, bool alreadyPaused) =>
        LogQueuePaused(logger, adminId, queue, alreadyPaused);

    public void QueueResumed(Guid? adminId, string queue, bool wasPaused) =>
        LogQueueResumed(logger, adminId, queue, wasPaused);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Admin {AdminId} retried job {JobId} of queue {Queue}; it was {StateBefore}")]
    private static partial void LogJobRetried(ILogger logger, Guid? adminId, long jobId, string queue, string stateBefore);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Admin {AdminId} asked to retry job {JobId} of queue {Queue}, refused: {State}")]
    private static partial void LogJobRetryRefused(ILogger logger, Guid? adminId, long jobId, string queue, string state);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "Admin {AdminId} retried {Jobs} dead jobs of queue {Queue}")]
    private static partial void LogDeadJobsRetried(ILogger logger, Guid? adminId, int jobs, string queue);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Admin {AdminId} deleted {Jobs} jobs of queue {Queue} completed at least {OlderThanMinutes} minutes ago")]
    private static partial void LogCompletedJobsDeleted(ILogger logger, Guid? adminId, int jobs, string queue, int olderThanMinutes);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Information, Message = "Admin {AdminId} paused queue {Queue} (already paused: {AlreadyPaused})")]
    private static partial void LogQueuePaused(ILogger logger, Guid? adminId, string queue, bool alreadyPaused);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Information, Message = "Admin {AdminId} resumed queue {Queue} (was paused: {WasPaused})")]
    private static partial void LogQueueResumed(ILogger logger, Guid? adminId, string queue, bool wasPaused);
}
