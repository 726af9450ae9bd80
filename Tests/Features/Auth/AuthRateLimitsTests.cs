using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Auth;

// Each test runs a host of its own with small limits and a one-second window on a clock the test moves.
[Collection(nameof(AuthRateLimitsTests))]
public sealed class AuthRateLimitsTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(AuthRateLimitsTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task After_the_configured_requests_a_client_gets_429_with_Retry_After_and_recovers_after_the_window()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = Host(perClientAddress: 3, perEmail: 1000, time);
        using var client = host.CreateSocketClient();

        var allowed = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            allowed.Add((await LoginAsync(client, FakeUsers.Next().Email)).StatusCode);
        }
        var limited = await LoginAsync(client, FakeUsers.Next().Email);
        time.Advance(Window - TimeSpan.FromTicks(1));
        var stillLimited = await LoginAsync(client, FakeUsers.Next().Email);
        time.Advance(TimeSpan.FromTicks(1));
        var recovered = await LoginAsync(client, FakeUsers.Next().Email);

        Assert.All(allowed, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        await ProblemResponses.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.Equal(TimeSpan.FromSeconds(1), limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.TooManyRequests, stillLimited.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, recovered.StatusCode);
    }

    [Fact]
    public async Task A_429_body_has_the_contract_shape()
    {
        await using var host = Host(perClientAddress: 1, perEmail: 1000);
        using var client = host.CreateSocketClient();
        await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = "unknown" });

        var response = await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = "unknown" });

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    [Fact]
    public async Task Each_endpoint_has_its_own_window_and_other_endpoints_are_not_limited()
    {
        await using var host = Host(perClientAddress: 1, perEmail: 1000);
        using var client = host.CreateSocketClient();
        await LoginAsync(client, FakeUsers.Next().Email);

        var login = await LoginAsync(client, FakeUsers.Next().Email);
        var fake = FakeUsers.Next();
        var register = await client.PostAsJsonAsync("/api/auth/register", new { email = fake.Email, password = fake.Password, displayName = fake.DisplayName });
        var info = await client.GetAsync("/api/info");

        Assert.Equal(HttpStatusCode.TooManyRequests, login.StatusCode);
        Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
    }

    [Fact]
    public async Task Login_attempts_per_email_are_limited_in_any_letter_case_and_a_limited_attempt_is_not_counted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = Host(perClientAddress: 1000, perEmail: 2, time);
        using var client = host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);
        await LoginAsync(client, account.Email, "wrong password");
        await LoginAsync(client, account.Email.ToUpperInvariant(), "wrong password");
        var before = await MetricsText.ScrapeAsync(client);

        var limited = await LoginAsync(client, account.Email, account.Password);
        var otherEmail = await LoginAsync(client, FakeUsers.Next().Email);

        var after = await MetricsText.ScrapeAsync(client);
        await ProblemResponses.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.Unauthorized, otherEmail.StatusCode);
        Assert.Equal(0, after.Value("login_attempts_total", ("status", "success")) - before.Value("login_attempts_total", ("status", "success")));
        Assert.Equal(1, after.Value("login_attempts_total", ("status", "failed")) - before.Value("login_attempts_total", ("status", "failed")));
        time.Advance(Window);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, account.Email, account.Password)).StatusCode);
    }

    [Fact]
    public async Task Unicode_spellings_of_a_locked_email_are_locked_too()
    {
        // Time stands still: the window cannot pass, however slow the machine is.
        await using var host = Host(perClientAddress: 1000, perEmail: 2, new FakeTimeProvider(DateTimeOffset.UtcNow));
        using var client = host.CreateSocketClient();
        var fake = FakeUsers.Next();
        var email = "kid" + fake.Email;
        await client.PostAsJsonAsync("/api/auth/register", new { email, password = fake.Password, displayName = fake.DisplayName });
        await LoginAsync(client, email, "wrong password");
        await LoginAsync(client, email, "wrong password");

        // The Kelvin sign, a fullwidth k and upper case all reach the same account under the identity rule.
        var spellings = new[] { "\u212Aid" + fake.Email, "\uFF4Bid" + fake.Email, "KID" + fake.Email.ToUpperInvariant() };
        foreach (var spelling in spellings)
        {
            var response = await LoginAsync(client, spelling, fake.Password);
            await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.TooManyRequests);
        }
    }

    [Fact]
    public async Task Link_requests_per_email_are_limited_across_spellings_and_both_endpoints_whether_or_not_the_address_has_an_account()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:RateLimits:EmailLinkWindow"] = Window.ToString(),
            ["Auth:RateLimits:EmailLinksPerEmail"] = "2",
        })
        {
            Time = time,
        };
        using var client = host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);
        var unknown = FakeUsers.Next().Email;
        var accepted = new[]
        {
            await LinkAsync(client, "forgot-password", account.Email), await LinkAsync(client, "resend-confirmation", account.Email.ToUpperInvariant()),
            await LinkAsync(client, "forgot-password", unknown), await LinkAsync(client, "forgot-password", unknown),
        };

        var limited = await LinkAsync(client, "resend-confirmation", account.Email);
        var limitedUnknown = await LinkAsync(client, "resend-confirmation", unknown);
        var otherEmail = await LinkAsync(client, "forgot-password", FakeUsers.Next().Email);
        time.Advance(Window);
        var recovered = await LinkAsync(client, "forgot-password", account.Email);

        Assert.All(accepted, response => Assert.Equal(HttpStatusCode.Accepted, response.StatusCode));
        await ProblemResponses.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests);
        await ProblemResponses.AssertProblemAsync(limitedUnknown, HttpStatusCode.TooManyRequests);
        Assert.Equal(limited.Headers.RetryAfter, limitedUnknown.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Accepted, otherEmail.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, recovered.StatusCode);
    }

    // ASPNETCORE_FORWARDEDHEADERS_ENABLED (README, Configuration): behind a proxy every request comes from its address.
    [Theory]
    [InlineData(false, HttpStatusCode.TooManyRequests)]
    [InlineData(true, HttpStatusCode.Unauthorized)]
    public async Task With_forwarded_headers_on_each_forwarded_client_address_has_a_limit_of_its_own(bool forwardedHeaders, HttpStatusCode otherClient)
    {
        await using var host = Host(perClientAddress: 1, perEmail: 1000, forwardedHeaders: forwardedHeaders);
        using var client = host.CreateSocketClient();
        await LoginFromAsync(client, "203.0.113.7");

        var sameClientAgain = await LoginFromAsync(client, "203.0.113.7");
        var anotherClient = await LoginFromAsync(client, "198.51.100.9");

        Assert.Equal(HttpStatusCode.TooManyRequests, sameClientAgain.StatusCode);
        Assert.Equal(otherClient, anotherClient.StatusCode);
    }

    private static async Task<HttpResponseMessage> LoginFromAsync(HttpClient client, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { email = FakeUsers.Next().Email, password = "any password" }) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return await client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> LinkAsync(HttpClient client, string endpoint, string email) =>
        client.PostAsJsonAsync($"/api/auth/{endpoint}", new { email });

    private ServiceHost Host(int perClientAddress, int perEmail, FakeTimeProvider? time = null, bool forwardedHeaders = false) => new(database.ConnectionString, new Dictionary<string, string?>
    {
        ["ForwardedHeaders_Enabled"] = forwardedHeaders ? "true" : null,
        ["Auth:RateLimits:Window"] = Window.ToString(),
        ["Auth:RateLimits:PerClientAddress"] = perClientAddress.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Auth:RateLimits:PerEmail"] = perEmail.ToString(System.Globalization.CultureInfo.InvariantCulture),
    })
    {
        Time = time,
    };

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string email, string password = "any password") =>
        client.PostAsJsonAsync("/api/auth/login", new { email, password });
}
