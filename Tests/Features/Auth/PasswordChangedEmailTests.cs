using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using MinimalBackend.Features.Email;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Auth;

// The notice that a password changed, end to end: the change in over HTTP, the email out through a real SMTP server.
[Collection(nameof(PasswordChangedEmailTests))]
public sealed class PasswordChangedEmailTests(SmtpFakeClockServiceFixture service) : IClassFixture<SmtpFakeClockServiceFixture>
{
    [CollectionDefinition(nameof(PasswordChangedEmailTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private const string NewPassword = "a new passphrase of the owner";

    [Fact]
    public async Task Changing_the_password_tells_the_account_when_and_how_and_the_notice_carries_no_secret()
    {
        using var client = service.Host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);

        var changed = await client.SendJsonAsync(HttpMethod.Post, "/api/users/me/password",
            new { currentPassword = account.Password, newPassword = NewPassword }, account.AccessToken);
        var notice = Assert.Single(await service.Smtp.WaitForMessagesToAsync(account.Email, PasswordChangedEmailTemplate.Subject));

        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Contains($"changed on {When()}, by someone signed in to your account who knew the current password", notice.TextBody, StringComparison.Ordinal);
        Assert.Contains("Every other session of the account was signed out", notice.HtmlBody, StringComparison.Ordinal);
        Assert.StartsWith($"password-changed.{account.Id:N}.", notice.MessageId, StringComparison.Ordinal);
        foreach (var body in new[] { notice.TextBody, notice.HtmlBody })
        {
            Assert.DoesNotContain(NewPassword, body, StringComparison.Ordinal);
            Assert.DoesNotContain("token=", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_reset_with_an_emailed_link_is_told_as_such()
    {
        using var client = service.Host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);
        await client.PostAsJsonAsync("/api/auth/forgot-password", new { email = account.Email });
        var link = Assert.Single(await service.Smtp.WaitForMessagesToAsync(account.Email, EmailLinks.ResetSubject));

        var reset = await client.PostAsJsonAsync("/api/auth/reset-password", new { token = EmailLinks.Token(link, "reset-password"), newPassword = NewPassword });
        var notice = Assert.Single(await service.Smtp.WaitForMessagesToAsync(account.Email, PasswordChangedEmailTemplate.Subject));

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Contains($"changed on {When()}, with a password reset link sent to this address", notice.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_change_queues_no_notice()
    {
        using var client = service.Host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);

        var refused = await client.SendJsonAsync(HttpMethod.Post, "/api/users/me/password",
            new { currentPassword = "not the password", newPassword = NewPassword }, account.AccessToken);
        var badReset = await client.PostAsJsonAsync("/api/auth/reset-password", new { token = "a-token-nobody-was-sent", newPassword = NewPassword });

        await ProblemResponses.AssertProblemAsync(refused, HttpStatusCode.BadRequest);
        await ProblemResponses.AssertProblemAsync(badReset, HttpStatusCode.BadRequest);
        // Enqueued only in the transaction that changes the password: no change, no job (nothing to wait for).
        Assert.Equal(0, await NoticesQueuedForAsync(account.Id));
    }

    // The service's clock, which this class never moves, as the notice writes it.
    private string When() => service.Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private async Task<long> NoticesQueuedForAsync(Guid userId)
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM jobs WHERE type = @Type AND payload->>'userId' = @UserId",
            new { Type = SendPasswordChangedEmail.JobType, UserId = userId.ToString() });
    }
}
