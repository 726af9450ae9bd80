using System.Net;
using System.Net.Http.Json;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Features.Auth;

// prometheus-net's registry is shared by every host in the test process: the tests compare values before and
// after their own requests, and the PostgreSQL collection runs its classes one at a time.
[Collection(nameof(AuthMetricsTests))]
public sealed class AuthMetricsTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(AuthMetricsTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task The_guide_counters_are_exported_with_both_login_outcomes_from_the_start()
    {
        var text = await _client.GetStringAsync("/metrics");

        Assert.Contains("# TYPE users_registered_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE login_attempts_total counter", text, StringComparison.Ordinal);
        var samples = MetricsText.Parse(text);
        Assert.Single(samples, s => s.Name == "users_registered_total" && s.Labels.Count == 0);
        Assert.Equal(["failed", "success"], samples.Where(s => s.Name == "login_attempts_total").Select(s => s.Labels["status"]).Order(StringComparer.Ordinal));
        Assert.All(samples.Where(s => s.Name == "login_attempts_total"), s => Assert.Equal(["status"], s.Labels.Keys));
    }

    [Fact]
    public async Task Only_a_registration_that_creates_a_user_counts()
    {
        var fake = FakeUsers.Next();
        var before = await MetricsText.ScrapeAsync(_client);

        var created = await _client.PostAsJsonAsync("/api/auth/register", new { email = fake.Email, password = fake.Password, displayName = fake.DisplayName });
        var duplicate = await _client.PostAsJsonAsync("/api/auth/register", new { email = fake.Email, password = fake.Password, displayName = fake.DisplayName });
        var invalid = await _client.PostAsJsonAsync("/api/auth/register", new { email = "not an email", password = fake.Password, displayName = fake.DisplayName });

        var after = await MetricsText.ScrapeAsync(_client);
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict, HttpStatusCode.BadRequest], [created.StatusCode, duplicate.StatusCode, invalid.StatusCode]);
        Assert.Equal(1, after.Value("users_registered_total") - before.Value("users_registered_total"));
    }

    [Fact]
    public async Task Logins_count_one_success_or_one_failure_per_checked_attempt()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var before = await MetricsText.ScrapeAsync(_client);

        await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = account.Password });
        await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = account.Password });
        await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = "wrong password" });
        await _client.PostAsJsonAsync("/api/auth/login", new { email = FakeUsers.Next().Email, password = "any password" });
        // Not checked, so not an attempt: the body is invalid.
        await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email });

        var after = await MetricsText.ScrapeAsync(_client);
        Assert.Equal(2, after.Value("login_attempts_total", ("status", "success")) - before.Value("login_attempts_total", ("status", "success")));
        Assert.Equal(2, after.Value("login_attempts_total", ("status", "failed")) - before.Value("login_attempts_total", ("status", "failed")));
    }
}
