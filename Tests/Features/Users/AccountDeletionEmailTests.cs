using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Email;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Users;

// Deleting an account and its queued emails, end to end: HTTP in, a real SMTP server out.
[Collection(nameof(AccountDeletionEmailTests))]
public sealed class AccountDeletionEmailTests(SmtpServiceFixture service, DatabaseFixture database) : IClassFixture<SmtpServiceFixture>
{
    [CollectionDefinition(nameof(AccountDeletionEmailTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task The_welcome_email_still_queued_for_a_deleted_account_is_never_sent()
    {
        using var client = service.Host.CreateSocketClient();
        await PauseEmailsAsync();
        var leaver = await TestAccounts.SignUpAsync(client);

        var deleted = await client.SendJsonAsync(HttpMethod.Delete, "/api/users/me", new { password = leaver.Password }, leaver.AccessToken);
        await ResumeEmailsAsync();
        // The queue runs in order: once the next registration's email is out, the leaver's would have been before it.
        var stayer = FakeUsers.Next();
        await client.PostAsJsonAsync("/api/auth/register", new { email = stayer.Email, password = stayer.Password, displayName = stayer.DisplayName });
        await service.Smtp.WaitForMessageToAsync(stayer.Email);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(service.Smtp.MessagesTo(leaver.Email));
    }

    [Fact]
    public async Task An_email_job_whose_account_is_gone_when_it_runs_sends_nothing_and_completes()
    {
        var goneAddress = FakeUsers.Next().Email;
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        long job;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            // As a job a worker claimed just before its account was deleted: the payload names an account that does not exist.
            job = await service.Host.Services.GetRequiredService<EmailJobs>()
                .EnqueueWelcomeAsync(connection, transaction, new WelcomeEmail(Guid.NewGuid(), goneAddress, "Gone"), CancellationToken.None);
            await transaction.CommitAsync();
        }

        // A handler that sends finishes only once the SMTP server has the message.
        var finished = await JobRows.WaitUntilFinishedAsync(database.ConnectionString, [job]);

        Assert.Equal("completed", Assert.Single(finished).State);
        Assert.Empty(service.Smtp.MessagesTo(goneAddress));
    }

    private async Task PauseEmailsAsync()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.ExecuteAsync("INSERT INTO job_queue_pauses (queue, paused_by) VALUES ('email', 'AccountDeletionEmailTests')");
    }

    /// <summary>Unpauses the queue and wakes its workers, as the queue board's resume does.</summary>
    private async Task ResumeEmailsAsync()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.ExecuteAsync("DELETE FROM job_queue_pauses WHERE queue = 'email'; SELECT pg_notify('jobs', 'email')");
    }
}
