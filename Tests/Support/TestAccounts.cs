using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using MinimalBackend.Features.Users;
using Npgsql;

namespace MinimalBackend.Tests.Support;

public sealed record TestAccount(Guid Id, string Email, string Password, string DisplayName, string AccessToken, string RefreshToken);

/// <summary>Accounts made the way a client makes them: registered and signed in through the API, with Bogus data.</summary>
public static class TestAccounts
{
    public static async Task<TestAccount> SignUpAsync(HttpClient client, string? displayName = null)
    {
        var fake = FakeUsers.Next();
        var registered = await client.PostAsJsonAsync("/api/auth/register", new { email = fake.Email, password = fake.Password, displayName = displayName ?? fake.DisplayName });
        var user = await ReadAsync(registered, HttpStatusCode.Created);
        var tokens = await SignInAsync(client, fake.Email, fake.Password);
        return new TestAccount(user.GetProperty("id").GetGuid(), fake.Email, fake.Password, user.GetProperty("displayName").GetString()!,
            tokens.GetProperty("accessToken").GetString()!, tokens.GetProperty("refreshToken").GetString()!);
    }

    /// <summary>An administrator: no endpoint makes one, so a registered user is promoted in the table, then signs in again.</summary>
    public static async Task<TestAccount> SignUpAdminAsync(HttpClient client, string connectionString, string? displayName = null)
    {
        var account = await SignUpAsync(client, displayName);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.ExecuteAsync("UPDATE users SET role = @Role WHERE id = @Id", new { Role = UserRoles.Admin, account.Id });
        }
        var tokens = await SignInAsync(client, account.Email, account.Password);
        return account with { AccessToken = tokens.GetProperty("accessToken").GetString()!, RefreshToken = tokens.GetProperty("refreshToken").GetString()! };
    }

    public static async Task<JsonElement> SignInAsync(HttpClient client, string email, string password) =>
        await ReadAsync(await client.PostAsJsonAsync("/api/auth/login", new { email, password }), HttpStatusCode.OK);

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }
}

/// <summary>Requests with an access token, set per request so that tests sharing a client never share a token.</summary>
public static class BearerRequests
{
    public static Task<HttpResponseMessage> GetAsync(this HttpClient client, string uri, string? accessToken) =>
        client.SendAsync(Create(HttpMethod.Get, uri, accessToken, content: null));

    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string uri, object body, string? accessToken) =>
        client.SendAsync(Create(method, uri, accessToken, JsonContent.Create(body)));

    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string uri, HttpContent content, string? accessToken) =>
        client.SendAsync(Create(method, uri, accessToken, content));

    private static HttpRequestMessage Create(HttpMethod method, string uri, string? accessToken, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, uri) { Content = content };
        if (accessToken is not null)
        {
            request.Headers.Authorization = new("Bearer", accessToken);
        }
        return request;
    }
}
