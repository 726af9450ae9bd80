using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using MinimalBackend.Features.Auth;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Auth;

// Registration's confirmation link and its resending, end to end: HTTP in, a real SMTP server out, the link's token
// posted back. Expiry is in EmailLinkExpiryTests, on a clock the tests move.
[Collection(nameof(ConfirmEmailTests))]
public sealed class ConfirmEmailTests(SmtpServiceFixture service) : IClassFixture<SmtpServiceFixture>
{
    [CollectionDefinition(nameof(ConfirmEmailTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task Registering_emails_a_link_to_the_client_page_whose_token_confirms_the_address()
    {
        using var client = service.Host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);
        Assert.False((await MeAsync(client, account.AccessToken)).GetProperty("emailConfirmed").GetBoolean());
        var before = await MetricsText.ScrapeAsync(client);

        var message = Assert.Single(await service.Smtp.WaitForMessagesToAsync(account.Email, EmailLinks.ConfirmationSubject));
        var link = EmailLinks.Link(message, "confirm-email");
        var confirmed = await ConfirmAsync(client, EmailLinks.Token(message, "confirm-email"));

        Assert.Equal("http://localhost:5173/confirm-email", link.GetLeftPart(UriPartial.Path));
        Assert.Contains($"href=\"{WebUtility.HtmlEncode(link.AbsoluteUri)}\"", message.HtmlBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, confirmed.StatusCode);
        Assert.True((await MeAsync(client, account.AccessToken)).GetProperty("emailConfirmed").GetBoolean());
        var after = await MetricsText.ScrapeAsync(client);
        Assert.Equal(1, Delta(before, after, "ok"));
        Assert.Equal(0, Delta(before, after, "invalid") + Delta(before, after, "expired"));
    }

    [Fact]
    public async Task The_raw_token_is_stored_nowhere_neither_in_the_token_table_nor_in_the_job_payload()
    {
        using var client = service.Host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);
        var token = EmailLinks.Token((await service.Smtp.WaitForMessagesToAsync(account.Email, EmailLinks.ConfirmationSubject))[0], "confirm-email");

        await using var connection = new NpgsqlConnection(service.ConnectionString);
        var stored = await connection.QueryAsync<byte[]>("SELECT token_hash FROM account_tokens WHERE user_id = @Id", new { account.Id });
        var payloads = await connection.QueryAsync<string>(
            "SELECT payload::text FROM jobs WHERE type = 'send_confirmation_email' AND payload->>'userId' = @Id", new { Id = account.Id.ToString() });

        Assert.Equal([Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)))],
            stored.Select(Convert.ToHexString));
        Assert.DoesNotContain(token, Assert.Single(payloads), StringComparison.Ordinal);
        Assert.Equal(43, token.Length);
    }

    [Fact]
    public async Task A_used_token_is_refused_with_a_problem_naming_it()
    {
        using var client = service.Host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);
        var token = EmailLinks.Token((await service.Smtp.WaitForMessagesToAsync(account.Email, EmailLinks.ConfirmationSubject))[0], "confirm-email");
        Assert.Equal(HttpStatusCode.NoContent, (await ConfirmAsync(client, token)).StatusCode);
        var before = await MetricsText.ScrapeAsync(client);

        var again = await ConfirmAsync(client, token);

        var problem = await ProblemResponses.AssertProblemAsync(again, HttpStatusCode.BadRequest);
        Assert.Equal(EmailLinkProblems.InvalidTokenMessage, problem.GetProperty("errors").GetProperty("token")[0].GetString());
        Assert.Equal(1, Delta(before, await MetricsText.ScrapeAsync(client), "invalid"));
    }

    [Fact]
    public async Task Resending_emails_a_new_link_and_the_earlier_one_still_confirms_which_ends_both()
    {
        using var client = service.Host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);
        var first = EmailLinks.Token((await service.Smtp.WaitForMessagesToAsync(account.Email, EmailLinks.ConfirmationSubject))[0], "confirm-email");

        var resent = await ResendAsync(client, account.Email.ToUpperInvariant());

        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        var second = EmailLinks.Token((await service.Smtp.WaitForMessagesToAsync(account.Email, EmailLinks.ConfirmationSubject, count: 2))[1], "confirm-email");
        Assert.NotEqual(first, second);
        Assert.Equal(HttpStatusCode.NoContent, (await ConfirmAsync(client, first)).StatusCode);
        await ProblemResponses.AssertProblemAsync(await ConfirmAsync(client, second), HttpStatusCode.BadRequest);
        Assert.True(await ConfirmedAsync(account.Id));
    }

    [Fact]
    public async Task Resending_for_an_unknown_or_a_confirmed_address_answers_the_same_and_sends_nothing()
    {
        using var client = service.Host.CreateSocketClient();
        var unconfirmed = await TestAccounts.SignUpAsync(client);
        var confirmed = await TestAccounts.SignUpAsync(client);
        await ConfirmAsync(client, EmailLinks.Token((await service.Smtp.WaitForMessagesToAsync(confirmed.Email, EmailLinks.ConfirmationSubject))[0], "confirm-email"));
        var unknown = FakeUsers.Next().Email;

        var answers = new[]
        {
            await ResendAsync(client, unconfirmed.Email), await ResendAsync(client, confirmed.Email), await ResendAsync(client, unknown),
        };

        var seen = await Task.WhenAll(answers.Select(IndistinguishableResponses.WhatAClientSeesAsync));
        Assert.Equal(HttpStatusCode.Accepted, answers[0].StatusCode);
        Assert.All(seen, s => Assert.Equal(seen[0], s));
        // The unconfirmed address gets its second link; by then the jobs of the other two had run as well, and sent nothing.
        await service.Smtp.WaitForMessagesToAsync(unconfirmed.Email, EmailLinks.ConfirmationSubject, count: 2);
        await JobsOfTypeFinishAsync("send_confirmation_email");
        Assert.Single(service.Smtp.MessagesTo(confirmed.Email), m => m.Subject == EmailLinks.ConfirmationSubject);
        Assert.Empty(service.Smtp.MessagesTo(unknown));
    }

    [Fact]
    public async Task With_confirmation_required_sign_in_is_403_until_the_address_is_confirmed()
    {
        await using var host = new ServiceHost(service.ConnectionString, new Dictionary<string, string?>(service.Smtp.Settings)
        {
            ["Auth:RequireConfirmedEmail"] = "true",
        });
        using var client = host.CreateSocketClient();
        var fake = FakeUsers.Next();
        Assert.Equal(HttpStatusCode.Created,
            (await client.PostAsJsonAsync("/api/auth/register", new { email = fake.Email, password = fake.Password, displayName = fake.DisplayName })).StatusCode);

        var unconfirmed = await LoginAsync(client, fake.Email, fake.Password);
        var wrongPassword = await LoginAsync(client, fake.Email, "not the password");
        var token = EmailLinks.Token((await service.Smtp.WaitForMessagesToAsync(fake.Email, EmailLinks.ConfirmationSubject))[0], "confirm-email");
        Assert.Equal(HttpStatusCode.NoContent, (await ConfirmAsync(client, token)).StatusCode);
        var confirmed = await LoginAsync(client, fake.Email, fake.Password);

        var problem = await ProblemResponses.AssertProblemAsync(unconfirmed, HttpStatusCode.Forbidden);
        Assert.Equal("Email address not confirmed", problem.GetProperty("title").GetString());
        await ProblemResponses.AssertProblemAsync(wrongPassword, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
    }

    private static Task<HttpResponseMessage> ConfirmAsync(HttpClient client, string token) =>
        client.PostAsJsonAsync("/api/auth/confirm-email", new { token });

    private static Task<HttpResponseMessage> ResendAsync(HttpClient client, string email) =>
        client.PostAsJsonAsync("/api/auth/resend-confirmation", new { email });

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string email, string password) =>
        client.PostAsJsonAsync("/api/auth/login", new { email, password });

    private static async Task<JsonElement> MeAsync(HttpClient client, string accessToken)
    {
        var response = await client.GetAsync("/api/users/me", accessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<bool> ConfirmedAsync(Guid userId)
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        return await connection.ExecuteScalarAsync<bool>("SELECT email_confirmed_at IS NOT NULL FROM users WHERE id = @userId", new { userId });
    }

    private Task<int> JobsOfTypeFinishAsync(string type) => Eventually.UntilAsync(async () =>
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM jobs WHERE type = @type AND state IN ('waiting', 'active')", new { type });
    }, unfinished => unfinished == 0, $"every {type} job to finish");

    private static double Delta(IReadOnlyList<MetricSample> before, IReadOnlyList<MetricSample> after, string status) =>
        after.Value("email_confirmations_total", ("status", status)) - before.Value("email_confirmations_total", ("status", status));
}
