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

    /// <summary>Enqueues an account's confirmation link in the caller's transaction (registration's, so both commit or neither does).</summary>
    public Task<long> EnqueueConfirmationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ConfirmationEmail email, CancellationToken ct) =>
        jobs.EnqueueAsync(connection, transaction, email, ct);

    /// <summary>Enqueues a confirmation link in a transaction of its own (a resend request, which writes nothing else).</summary>
    public Task<long> EnqueueConfirmationAsync(ConfirmationEmail email, CancellationToken ct) => jobs.EnqueueAsync(email, ct);

    /// <summary>Enqueues the notice that a password changed in the caller's transaction, the one that changed it.</summary>
    public Task<long> EnqueuePasswordChangedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PasswordChangedEmail email, CancellationToken ct) =>
        jobs.EnqueueAsync(connection, transaction, email, ct);

    /// <summary>Enqueues a password reset link in a transaction of its own.</summary>
    public Task<long> EnqueuePasswordResetAsync(PasswordResetEmail email, CancellationToken ct) => jobs.EnqueueAsync(email, ct);
}
