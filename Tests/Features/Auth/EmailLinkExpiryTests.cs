using System.Net;
using System.Net.Http.Json;
using Dapper;
using MinimalBackend.Features.Auth;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Auth;

// The emailed links' tokens expire on the service's clock, which these tests move (SmtpFakeClockServiceFixture). They use no
// access token: tokens issued on a clock moved a day ahead would not yet be valid to the real clock that checks them.
[Collection(nameof(EmailLinkExpiryTests))]
public sealed class EmailLinkExpiryTests(SmtpFakeClockServiceFixture service) : IClassFixture<SmtpFakeClockServiceFixture>
{
    [CollectionDefinition(nameof(EmailLinkExpiryTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task A_confirmation_token_confirms_until_24_hours_have_passed_and_is_refused_as_expired_from_then_on()
    {
        using var client = service.Host.CreateSocketClient();
        var early = await TestAccounts.SignUpAsync(client);
        var late = await TestAccounts.SignUpAsync(client);
        var earlyToken = EmailLinks.Token((await service.Smtp.WaitForMessagesToAsync(early.Email, EmailLinks.ConfirmationSubject))[0], "confirm-email");
        var lateToken = EmailLinks.Token((await service.Smtp.WaitForMessagesToAsync(late.Email, EmailLinks.ConfirmationSubject))[0], "confirm-email");
        // Both tokens were made by jobs that ran while the clock stood still: they expire at the same instant.
        service.Clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMilliseconds(1));
        var inTime = await client.PostAsJsonAsync("/api/auth/confirm-email", new { token = earlyToken });
        service.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var before = await MetricsText.ScrapeAsync(client);

        var expired = await client.PostAsJsonAsync("/api/auth/confirm-email", new { token = lateToken });

        Assert.Equal(HttpStatusCode.NoContent, inTime.StatusCode);
        var problem = await ProblemResponses.AssertProblemAsync(expired, HttpStatusCode.BadRequest);
        Assert.Equal(EmailLinkProblems.ExpiredTokenMessage, problem.GetProperty("errors").GetProperty("token")[0].GetString());
        var after = await MetricsText.ScrapeAsync(client);
        Assert.Equal(1, after.Value("email_confirmations_total", ("status", "expired")) - before.Value("email_confirmations_total", ("status", "expired")));
        Assert.Equal((true, false), (await ConfirmedAsync(early.Id), await ConfirmedAsync(late.Id)));
    }

    [Fact]
    public async Task A_reset_token_works_until_30_minutes_have_passed_and_is_refused_as_expired_from_then_on()
    {
        using var client = service.Host.CreateSocketClient();
        var early = await TestAccounts.SignUpAsync(client);
        var late = await TestAccounts.SignUpAsync(client);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/auth/forgot-password", new { email = early.Email })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/auth/forgot-password", new { email = late.Email })).StatusCode);
        var earlyToken = EmailLinks.Token((await service.Smtp.WaitForMessagesToAsync(early.Email, EmailLinks.ResetSubject))[0], "reset-password");
        var lateToken = EmailLinks.Token((await service.Smtp.WaitForMessagesToAsync(late.Email, EmailLinks.ResetSubject))[0], "reset-password");
        service.Clock.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromMilliseconds(1));
        var inTime = await ResetAsync(client, earlyToken);
        service.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var before = await MetricsText.ScrapeAsync(client);

        var expired = await ResetAsync(client, lateToken);

        Assert.Equal(HttpStatusCode.NoContent, inTime.StatusCode);
        var problem = await ProblemResponses.AssertProblemAsync(expired, HttpStatusCode.BadRequest);
        Assert.Equal(EmailLinkProblems.ExpiredTokenMessage, problem.GetProperty("errors").GetProperty("token")[0].GetString());
        var after = await MetricsText.ScrapeAsync(client);
        Assert.Equal(1, after.Value("password_resets_total", ("stage", "completed"), ("status", "expired"))
            - before.Value("password_resets_total", ("stage", "completed"), ("status", "expired")));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/auth/login", new { email = late.Email, password = late.Password })).StatusCode);
    }

    private static Task<HttpResponseMessage> ResetAsync(HttpClient client, string token) =>
        client.PostAsJsonAsync("/api/auth/reset-password", new { token, newPassword = "a new password, long enough" });

    private async Task<bool> ConfirmedAsync(Guid userId)
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        return await connection.ExecuteScalarAsync<bool>("SELECT email_confirmed_at IS NOT NULL FROM users WHERE id = @userId", new { userId });
    }
}
