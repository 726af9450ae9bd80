using System.Net;
using System.Text;
using Dapper;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Auth;

// The four emailed-link endpoints against malformed, missing, oversized and hostile bodies: each answer is a 4xx problem
// details (never a 500), and nothing is written: no job, no token, no password. One test at a time runs on this class's
// database, so counting its jobs and tokens before and after is exact.
[Collection(nameof(EmailLinkInputTests))]
public sealed class EmailLinkInputTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(EmailLinkInputTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private static readonly string[] Endpoints = ["/api/auth/confirm-email", "/api/auth/resend-confirmation", "/api/auth/forgot-password", "/api/auth/reset-password"];

    private static readonly Dictionary<string, string> Bodies = new(StringComparer.Ordinal)
    {
        ["missing fields"] = "{}",
        ["null fields"] = """{"email": null, "token": null, "newPassword": null}""",
        ["a wrong JSON type for every field"] = """{"email": 5, "token": true, "newPassword": ["x"]}""",
        ["numbers where strings belong"] = """{"email": 12345678, "token": 1e308, "newPassword": 123456789}""",
        ["malformed JSON"] = """{"email": "a@example.com", "token": "abc" """,
        ["an empty body"] = "",
        ["a JSON array"] = """["a@example.com", "token"]""",
        ["a bare string"] = "\"a@example.com\"",
        ["a token and an email over their limits"] = "{\"email\": \"" + new string('a', 250) + "@example.com\", \"token\": \"" + new string('t', 65) + "\", \"newPassword\": \"a long enough passphrase\"}",
        ["SQL and control characters"] = """{"email": "' OR '1'='1", "token": "' OR '1'='1\u0000--", "newPassword": "\u0000\u0001"}""",
        ["a lone surrogate"] = """{"email": "\ud800@example.com", "token": "\ud800", "newPassword": "passphrase \ud800"}""",
        ["a 2 MB body"] = "{\"email\": \"a@example.com\", \"token\": \"" + new string('x', 2 * 1024 * 1024) + "\"}",
    };

    public static TheoryData<string, string> Cases() => TheoryMatrix.Of(Endpoints, Bodies.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_malformed_body_is_a_4xx_problem_and_writes_nothing(string endpoint, string body)
    {
        var before = await WrittenAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(Bodies[body], Encoding.UTF8, "application/json") };
        // With the 2 MB body the client waits for the server's verdict before sending it (see HostileInputTests).
        request.Headers.ExpectContinue = body == "a 2 MB body";

        var response = await service.Client.SendAsync(request);

        await ProblemResponses.AssertProblemAsync(response, body == "a 2 MB body" ? HttpStatusCode.RequestEntityTooLarge : HttpStatusCode.BadRequest);
        Assert.Equal(before, await WrittenAsync());
    }

    [Fact]
    public async Task A_new_password_the_rules_refuse_is_400_naming_it_and_leaves_the_token_usable()
    {
        var problem = await ProblemResponses.AssertProblemAsync(
            await service.Client.PostAsync("/api/auth/reset-password", RawJson.Fields(("token", "any-token"), ("newPassword", "short"))), HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("newPassword", out _));
    }

    private async Task<(long Jobs, long Tokens, long PasswordChanges)> WrittenAsync()
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        return await connection.QuerySingleAsync<(long, long, long)>(
            """
            SELECT (SELECT count(*) FROM jobs), (SELECT count(*) FROM account_tokens WHERE used_at IS NOT NULL),
                   (SELECT count(*) FROM users WHERE updated_at > created_at)
            """);
    }
}
