using MinimalBackend.Infrastructure.Jobs;
using Npgsql;

namespace MinimalBackend.Features.Email;

/// <summary>What other features may ask of Email: the emails it sends, enqueued in the caller's transaction.</summary>
public sealed class EmailJobs(JobEnqueuer jobs)
{
    /// <summary>
    /// Enqueues the welcome email in the caller's transaction: it is sent once that transaction commits, and
    /// never if it rolls back. Returns the job's id.
    /// </summary>
    public Task<long> EnqueueWelcomeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WelcomeEmail email, CancellationToken ct) =>
        jobs.EnqueueAsync(connection, transaction, email, ct);
}
