using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;
using Npgsql;

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

    public static TheoryData<string, string> Cases() => TheoryMatrix.Of(Endpoints, Bodies.Keys);

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

    // Finding 1: a charset parameter gave 500 on every JSON endpoint, the standards-valid quoted one included.
    [Theory]
    [InlineData("application/json; charset=\"utf-8\"", HttpStatusCode.NoContent)]
    [InlineData("application/json; charset=UTF8", HttpStatusCode.NoContent)]
    [InlineData("application/json;charset=Utf-8", HttpStatusCode.NoContent)]
    [InlineData("application/json; charset=latin1", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/json; charset=\"no-such-charset\"", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/json; charset=utf-16", HttpStatusCode.UnsupportedMediaType)]
    public async Task A_body_in_UTF_8_is_read_in_any_spelling_of_its_charset_and_any_other_charset_is_415(string contentType, HttpStatusCode expected)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"refreshToken": "unknown-token"}"""));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await _client.PostAsync("/api/auth/logout", content);

        if (expected == HttpStatusCode.NoContent)
        {
            Assert.Equal(expected, response.StatusCode);
        }
        else
        {
            await ProblemResponses.AssertProblemAsync(response, expected);
        }
    }

    // Found by the fuzz test: FastEndpoints answered a JSON endpoint asked without a Content-Type with an empty 415.
    public static TheoryData<string, string> WithoutContentType() =>
        TheoryMatrix.Of([.. Endpoints, "POST /api/users/me/password", "POST /api/admin/notifications"], ["no body", "a JSON body"]);

    [Theory]
    [MemberData(nameof(WithoutContentType))]
    public async Task A_JSON_endpoint_asked_without_a_content_type_is_415_problem_details_for_a_caller_it_would_serve(string endpoint, string body)
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var (method, path) = (endpoint.Split(' ')[0], endpoint.Split(' ')[1]);
        async Task<HttpResponseMessage> SendAsync(string? token)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path)
            {
                Content = body == "no body" ? null : new ByteArrayContent("""{"refreshToken": "unknown-token"}"""u8.ToArray()),
            };
            if (token is not null)
            {
                request.Headers.Authorization = new("Bearer", token);
            }
            return await _client.SendAsync(request);
        }

        var signedIn = await SendAsync(admin.AccessToken);
        var anonymous = await SendAsync(null);

        var problem = await ProblemResponses.AssertProblemAsync(signedIn, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("Content-Type: application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // As before: who the caller is comes first, so an anonymous caller learns nothing of what a signed-in one may send.
        await ProblemResponses.AssertProblemAsync(anonymous, path.StartsWith("/api/auth/", StringComparison.Ordinal) ? HttpStatusCode.UnsupportedMediaType : HttpStatusCode.Unauthorized);
    }

    // Finding 2: data nested 62 levels was stored, and then every list of its recipient answered 500.
    [Fact]
    public async Task Notification_data_nested_deeper_than_32_levels_is_400()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var user = await TestAccounts.SignUpAsync(_client);
        var data = string.Concat(Enumerable.Repeat("{\"a\":", 40)) + "1" + new string('}', 40);

        var response = await _client.SendAsync(HttpMethod.Post, "/api/admin/notifications",
            RawJson.Content($$"""{"userId": "{{user.Id}}", "title": "Deep", "body": "Deep data", "data": {{data}}}"""), admin.AccessToken);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("32 levels", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stored_notification_deeper_than_any_serializer_allows_is_still_served()
    {
        var user = await TestAccounts.SignUpAsync(_client);
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100);
        await using (var connection = new NpgsqlConnection(service.ConnectionString))
        {
            await connection.ExecuteAsync(
                "INSERT INTO notifications (id, user_id, title, body, data) VALUES (@Id, @UserId, 'Stored before the limit', 'x', CAST(@Data AS jsonb))",
                new { Id = Guid.CreateVersion7(), UserId = user.Id, Data = deep });
        }

        var response = await _client.GetAsync("/api/notifications", user.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync(), new JsonDocumentOptions { MaxDepth = 200 });
        Assert.Equal(deep.Replace(":", ": ", StringComparison.Ordinal), page.RootElement.GetProperty("items")[0].GetProperty("data").GetRawText());
    }

    // Finding 3: 4 KiB of 9e999 became 366 KB in each recipient's row.
    [Fact]
    public async Task Notification_data_that_jsonb_would_write_out_beyond_8_KiB_is_400_and_nothing_is_enqueued()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var data = "{\"n\":[" + string.Join(",", Enumerable.Repeat("9e999", 600)) + "]}";
        var title = "Amplified " + Guid.NewGuid().ToString("N");

        var response = await _client.SendAsync(HttpMethod.Post, "/api/admin/notifications",
            RawJson.Content($$"""{"allUsers": true, "title": "{{title}}", "body": "x", "data": {{data}}}"""), admin.AccessToken);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("data", out _));
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM jobs WHERE payload::text LIKE '%' || @Title || '%'", new { Title = title }));
    }

    // Finding 5: credentials in the URL were read, and a query value overrode the body.
    [Fact]
    public async Task Credentials_in_the_query_string_are_never_read()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var query = $"?email={Uri.EscapeDataString(account.Email)}&password={Uri.EscapeDataString(account.Password)}";

        var queryOnly = await _client.PostAsync("/api/auth/login" + query, RawJson.Content("{}"));
        var queryOverBody = await _client.PostAsync("/api/auth/login" + query, RawJson.Fields(("email", account.Email), ("password", "a wrong password")));
        var refresh = await _client.PostAsync("/api/auth/refresh?refreshToken=" + Uri.EscapeDataString(account.RefreshToken), RawJson.Content("{}"));
        var fake = FakeUsers.Next();
        var register = await _client.PostAsync(
            $"/api/auth/register?email={Uri.EscapeDataString(fake.Email)}&password={Uri.EscapeDataString(fake.Password)}&displayName=Query", RawJson.Content("{}"));

        await ProblemResponses.AssertProblemAsync(queryOnly, HttpStatusCode.BadRequest);
        await ProblemResponses.AssertProblemAsync(queryOverBody, HttpStatusCode.Unauthorized);
        await ProblemResponses.AssertProblemAsync(refresh, HttpStatusCode.BadRequest);
        await ProblemResponses.AssertProblemAsync(register, HttpStatusCode.BadRequest);
        Assert.Null(await UserTable.FindAsync(service.ConnectionString, fake.Email));
    }

    // Finding 6: ?olderThanMinutes= meant 0, and deleted every completed job.
    [Fact]
    public async Task An_empty_query_parameter_is_400_never_its_default()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);

        var delete = await _client.SendAsync(HttpMethod.Delete, "/api/admin/queues/email/completed-jobs?olderThanMinutes=", new StringContent(""), admin.AccessToken);
        var list = await _client.GetAsync("/api/notifications?pageSize=", admin.AccessToken);

        var problem = await ProblemResponses.AssertProblemAsync(delete, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("olderThanMinutes", out _));
        await ProblemResponses.AssertProblemAsync(list, HttpStatusCode.BadRequest);
    }

    // Finding 7: error bodies carried System.Text.Json's exception text and the service's type names.
    [Theory]
    [InlineData("""{"displayName": 5}""")]
    [InlineData("""{"displayName": "a", """)]
    [InlineData("""[1, 2]""")]
    [InlineData("""{"displayName": {"a": [1, {"b": tru}]}}""")]
    [InlineData("\"just a string\"")]
    public async Task An_error_body_has_a_fixed_message_without_parser_text_or_type_names(string body)
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.SendAsync(HttpMethod.Patch, "/api/users/me", RawJson.Content(body), account.AccessToken);
        var list = await _client.GetAsync("/api/notifications?cursor=not-a-uuid&pageSize=many", account.AccessToken);

        foreach (var answer in new[] { response, list })
        {
            var problem = (await ProblemResponses.AssertProblemAsync(answer, HttpStatusCode.BadRequest)).GetRawText();
            Assert.DoesNotContain("MinimalBackend", problem, StringComparison.Ordinal);
            Assert.DoesNotContain("System.", problem, StringComparison.Ordinal);
            Assert.DoesNotContain("Int32", problem, StringComparison.Ordinal);
            Assert.DoesNotContain("LineNumber", problem, StringComparison.Ordinal);
            Assert.DoesNotContain("BytePosition", problem, StringComparison.Ordinal);
            Assert.DoesNotContain("is an invalid", problem, StringComparison.Ordinal);
        }
    }
}
