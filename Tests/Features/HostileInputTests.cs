using System.Net;
using System.Text;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Features;

// Every JSON endpoint of the auth and users slices against the same malformed bodies: each answer is a 4xx
// problem details (never a 500), and nothing is written. A marker (plain ASCII) inside each body lets the
// test look for a row it might have written.
[Collection(nameof(HostileInputTests))]
public sealed class HostileInputTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(HostileInputTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    private static readonly string[] Endpoints = ["POST /api/auth/register", "POST /api/auth/login", "POST /api/auth/refresh", "POST /api/auth/logout", "PATCH /api/users/me"];

    private static readonly Dictionary<string, string> Bodies = new(StringComparer.Ordinal)
    {
        ["missing fields"] = "{}",
        ["null fields"] = """{"email": null, "password": null, "displayName": null, "refreshToken": null}""",
        ["a wrong JSON type for every field"] = """{"email": 5, "password": true, "displayName": ["{marker}"], "refreshToken": {"a": 1}}""",
        ["a number where a string belongs"] = """{"email": "{marker}@example.com", "password": 12345678, "displayName": 1e308, "refreshToken": 42}""",
        ["malformed JSON"] = """{"email": "{marker}@example.com", "password": "correct horse", "displayName": "{marker}" """,
        ["an empty body"] = "",
        ["a JSON array"] = """["{marker}@example.com", "correct horse"]""",
        ["a bare string"] = "\"{marker}\"",
        ["a 2 MB body"] = "{\"email\": \"{marker}@example.com\", \"password\": \"correct horse\", \"displayName\": \"" + new string('x', 2 * 1024 * 1024) + "\", \"refreshToken\": \"x\"}",
    };

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var endpoint in Endpoints)
        {
            foreach (var body in Bodies.Keys)
            {
                cases.Add(endpoint, body);
            }
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_malformed_body_is_a_4xx_problem_and_writes_nothing(string endpoint, string body)
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var marker = "hostile" + Guid.NewGuid().ToString("N")[..12];
        var (method, path) = (endpoint.Split(' ')[0], endpoint.Split(' ')[1]);
        using var content = new StringContent(Bodies[body].Replace("{marker}", marker, StringComparison.Ordinal), Encoding.UTF8, "application/json");

        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content };
        request.Headers.Authorization = new("Bearer", account.AccessToken);
        // With the 2 MB body the client waits for the server's verdict before sending it; otherwise, under load, it can
        // still be writing when Kestrel answers 413 and closes the connection, and the test sees a broken pipe.
        request.Headers.ExpectContinue = body == "a 2 MB body";

        var response = await _client.SendAsync(request);

        var expected = body == "a 2 MB body" ? HttpStatusCode.RequestEntityTooLarge : HttpStatusCode.BadRequest;
        await ProblemResponses.AssertProblemAsync(response, expected);
        Assert.Equal(0, await UserTable.CountMarkedAsync(service.ConnectionString, marker));
        Assert.Equal(account.DisplayName, (await UserTable.FindAsync(service.ConnectionString, account.Email))?.DisplayName);
    }

    public static TheoryData<string> HostileEmails =>
    [
        "' OR '1'='1",
        "admin'--@example.com",
        "\"; DROP TABLE users; --@example.com",
        "%00@example.com",
        "ünïcödé@exämple.com",
        "../../etc/passwd@example.com",
    ];

    [Theory]
    [MemberData(nameof(HostileEmails))]
    public async Task A_hostile_email_at_login_is_400_or_401_and_never_signs_anyone_in(string email)
    {
        var response = await _client.PostAsync("/api/auth/login", RawJson.Fields(("email", email), ("password", "' OR '1'='1")));

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized });
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
