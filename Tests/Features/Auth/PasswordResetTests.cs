using System.Net;
using System.Net.Http.Json;
using Dapper;
using MinimalBackend.Features.Auth;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Auth;

// A forgotten password, end to end: forgot-password in, the reset link out through a real SMTP server, its token and a
// new password posted back. Expiry is in EmailLinkExpiryTests, on a clock the tests move.
[Collection(nameof(PasswordResetTests))]
public sealed class PasswordResetTests(SmtpServiceFixture service) : IClassFixture<SmtpServiceFixture>
{
    [CollectionDefinition(nameof(PasswordResetTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private const string NewPassword = "a brand new passphrase";

    [Fact]
    public async Task A_reset_sets_the_new_password_and_ends_every_session_of_the_account()
    {
        using var client = service.Host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);
        var otherSession = (await TestAccounts.SignInAsync(client, account.Email, account.Password)).GetProperty("refreshToken").GetString()!;
        var bystander = await TestAccounts.SignUpAsync(client);
        var before = await MetricsText.ScrapeAsync(client);

        var requested = await ForgotAsync(client, account.Email);
        var message = Assert.Single(await service.Smtp.WaitForMessagesToAsync(account.Email, EmailLinks.ResetSubject));
        var reset = await ResetAsync(client, EmailLinks.Token(message, "reset-password"), NewPassword);

        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        Assert.Equal("http://localhost:5173/reset-password", EmailLinks.Link(message, "reset-password").GetLeftPart(UriPartial.Path));
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        await ProblemResponses.AssertProblemAsync(await LoginAsync(client, account.Email, account.Password), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, account.Email, NewPassword)).StatusCode);
        await ProblemResponses.AssertProblemAsync(await RefreshAsync(client, account.RefreshToken), HttpStatusCode.Unauthorized);
        await ProblemResponses.AssertProblemAsync(await RefreshAsync(client, otherSession), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(client, bystander.RefreshToken)).StatusCode);
        var after = await MetricsText.ScrapeAsync(client);
        Assert.Equal(1, Delta(before, after, "requested", "ok"));
        Assert.Equal(1, Delta(before, after, "completed", "ok"));
        // The link proved the mailbox.
        Assert.True(await ConfirmedAsync(account.Id));
    }

    [Fact]
    public async Task A_used_reset_token_is_refused_with_a_problem_and_counted()
    {
        using var client = service.Host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);
        await ForgotAsync(client, account.Email);
        var token = EmailLinks.Token((await service.Smtp.WaitForMessagesToAsync(account.Email, EmailLinks.ResetSubject))[0], "reset-password");
        Assert.Equal(HttpStatusCode.NoContent, (await ResetAsync(client, token, NewPassword)).StatusCode);
        var before = await MetricsText.ScrapeAsync(client);

        var again = await ResetAsync(client, token, "yet another passphrase");

        var problem = await ProblemResponses.AssertProblemAsync(again, HttpStatusCode.BadRequest);
        Assert.Equal(EmailLinkProblems.InvalidTokenMessage, problem.GetProperty("errors").GetProperty("token")[0].GetString());
        Assert.Equal(1, Delta(before, await MetricsText.ScrapeAsync(client), "completed", "invalid"));
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, account.Email, NewPassword)).StatusCode);
    }

    [Fact]
    public async Task A_newer_reset_link_supersedes_the_earlier_one()
    {
        using var client = service.Host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);
        await ForgotAsync(client, account.Email);
        var first = EmailLinks.Token((await service.Smtp.WaitForMessagesToAsync(account.Email, EmailLinks.ResetSubject))[0], "reset-password");
        await ForgotAsync(client, account.Email);
        var second = EmailLinks.Token((await service.Smtp.WaitForMessagesToAsync(account.Email, EmailLinks.ResetSubject, count: 2))[1], "reset-password");

        var superseded = await ResetAsync(client, first, "the superseded passphrase");
        var newest = await ResetAsync(client, second, NewPassword);

        await ProblemResponses.AssertProblemAsync(superseded, HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NoContent, newest.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, account.Email, NewPassword)).StatusCode);
    }

    [Fact]
    public async Task Forgot_password_for_an_unknown_address_is_indistinguishable_from_a_known_one_and_sends_nothing()
    {
        using var client = service.Host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);
        var unknown = FakeUsers.Next().Email;
        var jobsBefore = (await ResetJobsAsync()).Select(j => j.Id).ToHashSet();
        var before = await MetricsText.ScrapeAsync(client);

        var known = await ForgotAsync(client, account.Email);
        var notKnown = await ForgotAsync(client, unknown);

        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(await IndistinguishableResponses.WhatAClientSeesAsync(known), await IndistinguishableResponses.WhatAClientSeesAsync(notKnown));
        // The same work behind both: one job each (this class's database has only this class's jobs, run one test at a time).
        var jobs = (await ResetJobsAsync()).Where(j => !jobsBefore.Contains(j.Id)).ToList();
        Assert.Equal([account.Id.ToString(), null], jobs.Select(j => j.UserId));
        var ids = jobs.Select(j => j.Id).ToHashSet();
        await Eventually.UntilAsync(ResetJobsAsync, all => all.Where(j => ids.Contains(j.Id)).All(j => j.State == "completed"), "both reset jobs to complete");
        Assert.Single(await service.Smtp.WaitForMessagesToAsync(account.Email, EmailLinks.ResetSubject));
        Assert.Empty(service.Smtp.MessagesTo(unknown));
        var after = await MetricsText.ScrapeAsync(client);
        Assert.Equal((1, 1), (Delta(before, after, "requested", "ok"), Delta(before, after, "requested", "invalid")));
    }

    private sealed record ResetJob(long Id, string? UserId, string State);

    private async Task<List<ResetJob>> ResetJobsAsync()
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        return (await connection.QueryAsync<ResetJob>(
            "SELECT id, payload->>'userId' AS user_id, state FROM jobs WHERE type = 'send_password_reset_email' ORDER BY id")).AsList();
    }

    private async Task<bool> ConfirmedAsync(Guid userId)
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        return await connection.ExecuteScalarAsync<bool>("SELECT email_confirmed_at IS NOT NULL FROM users WHERE id = @userId", new { userId });
    }

    private static Task<HttpResponseMessage> ForgotAsync(HttpClient client, string email) =>
        client.PostAsJsonAsync("/api/auth/forgot-password", new { email });

    private static Task<HttpResponseMessage> ResetAsync(HttpClient client, string token, string newPassword) =>
        client.PostAsJsonAsync("/api/auth/reset-password", new { token, newPassword });

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string email, string password) =>
        client.PostAsJsonAsync("/api/auth/login", new { email, password });

    private static Task<HttpResponseMessage> RefreshAsync(HttpClient client, string refreshToken) =>
        client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });

    private static double Delta(IReadOnlyList<MetricSample> before, IReadOnlyList<MetricSample> after, string stage, string status) =>
        after.Value("password_resets_total", ("stage", stage), ("status", status)) - before.Value("password_resets_total", ("stage", stage), ("status", status));
}
