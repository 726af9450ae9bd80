using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Auth;

[Collection(nameof(RegisterTests))]
public sealed class RegisterTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(RegisterTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task A_new_user_is_201_with_the_account_and_its_Location()
    {
        var fake = FakeUsers.Next();

        var response = await _client.PostAsJsonAsync("/api/auth/register", new { email = fake.Email, password = fake.Password, displayName = fake.DisplayName });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var stored = await UserTable.FindAsync(service.ConnectionString, fake.Email);
        Assert.NotNull(stored);
        Assert.Equal(stored.Id, body.GetProperty("id").GetGuid());
        Assert.Equal($"/api/users/{stored.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(fake.Email, body.GetProperty("email").GetString());
        Assert.Equal(fake.DisplayName, stored.DisplayName);
        Assert.Equal("user", body.GetProperty("role").GetString());
        Assert.False(body.TryGetProperty("password", out _) || body.TryGetProperty("passwordHash", out _));
    }

    [Fact]
    public async Task A_new_user_body_has_the_contract_shape()
    {
        var response = await _client.PostAsJsonAsync("/api/auth/register", new { email = FakeUsers.Next().Email, password = "correct horse battery", displayName = "Ann Example" });

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "id", "email", "createdAt"));
    }

    [Fact]
    public async Task The_password_is_stored_only_as_a_salted_Argon2id_hash_with_the_configured_parameters()
    {
        var first = FakeUsers.Next();
        var second = FakeUsers.Next();

        await _client.PostAsJsonAsync("/api/auth/register", new { email = first.Email, password = "the same password", displayName = "A" });
        await _client.PostAsJsonAsync("/api/auth/register", new { email = second.Email, password = "the same password", displayName = "B" });

        var firstHash = (await UserTable.FindAsync(service.ConnectionString, first.Email))!.PasswordHash;
        var secondHash = (await UserTable.FindAsync(service.ConnectionString, second.Email))!.PasswordHash;
        Assert.NotEqual(firstHash, secondHash);
        Assert.DoesNotContain("the same password", firstHash, StringComparison.Ordinal);
        // The test host sets PasswordHashing:MemoryKiB to 64; the service's default is 19,456 (19 MiB).
        Assert.Equal(("argon2id v=19", "m=64,t=2,p=1", 16, 32), UserTable.HashHeader(firstHash));
    }

    [Theory]
    [InlineData("\u212A")]
    [InlineData("\uFF4B")]
    public async Task A_compatibility_spelling_of_a_taken_email_is_409(string kelvinOrFullwidthK)
    {
        var fake = FakeUsers.Next();
        var email = "k" + fake.Email;
        await _client.PostAsJsonAsync("/api/auth/register", new { email, password = fake.Password, displayName = fake.DisplayName });

        var response = await _client.PostAsJsonAsync("/api/auth/register", new { email = kelvinOrFullwidthK + fake.Email, password = "another password", displayName = "Someone Else" });

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task An_upper_case_letter_outside_A_to_Z_is_400_saying_to_write_it_in_lower_case()
    {
        var fake = FakeUsers.Next();

        var response = await _client.PostAsJsonAsync("/api/auth/register", new { email = "\u0130" + fake.Email, password = fake.Password, displayName = fake.DisplayName });

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("lower case", problem.GetProperty("errors").GetProperty("email")[0].GetString(), StringComparison.Ordinal);
        Assert.Null(await UserTable.FindAsync(service.ConnectionString, "\u0130" + fake.Email));
    }

    [Fact]
    public async Task Duplicate_email_in_other_case_is_409()
    {
        var fake = FakeUsers.Next();
        await _client.PostAsJsonAsync("/api/auth/register", new { email = fake.Email, password = fake.Password, displayName = fake.DisplayName });

        var response = await _client.PostAsJsonAsync("/api/auth/register", new { email = fake.Email.ToUpperInvariant(), password = "another password", displayName = "Someone Else" });

        Assert.Equal(1, await UserTable.CountAsync(service.ConnectionString, fake.Email));
        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    [Fact]
    public async Task Concurrent_duplicate_registrations_give_one_201_and_one_409()
    {
        for (var round = 0; round < 5; round++)
        {
            var fake = FakeUsers.Next();
            using var start = new SemaphoreSlim(0);
            var racers = new[] { fake.Email, fake.Email.ToUpperInvariant() }.Select(async email =>
            {
                await start.WaitAsync();
                return await _client.PostAsJsonAsync("/api/auth/register", new { email, password = fake.Password, displayName = fake.DisplayName });
            }).ToList();
            start.Release(racers.Count);

            var statuses = (await Task.WhenAll(racers)).Select(r => r.StatusCode).Order().ToList();

            Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], statuses);
            Assert.Equal(1, await UserTable.CountAsync(service.ConnectionString, fake.Email));
        }
    }

    [Fact]
    public async Task Missing_fields_are_400_naming_each_field()
    {
        var response = await _client.PostAsJsonAsync("/api/auth/register", new { });

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    public static TheoryData<string, string, string, string> InvalidAccounts => new()
    {
        // field, email, password, displayName: {0} becomes a unique marker, {high} and {low} a lone surrogate
        // (written as placeholders because xUnit would turn a real one into U+FFFD when it serializes the case).
        { "email", "not-an-email-{0}", "correct horse", "Ann" },
        { "email", "two@@{0}.example.com", "correct horse", "Ann" },
        { "email", "' OR '1'='1' -- {0}@example.com", "correct horse", "Ann" },
        { "email", "ann{0}@example.com'; DROP TABLE users; --", "correct horse", "Ann" },
        { "email", "ann\u0000{0}@example.com", "correct horse", "Ann" },
        { "email", "ann\u202E{0}@example.com", "correct horse", "Ann" },
        { "email", "ann{high}{0}@example.com", "correct horse", "Ann" },
        { "email", "ann{0}@localhost", "correct horse", "Ann" },
        { "email", new string('a', 250) + "{0}@example.com", "correct horse", "Ann" },
        { "password", "ann{0}@example.com", "seven77", "Ann" },
        { "password", "ann{0}@example.com", new string('p', 129), "Ann" },
        { "password", "ann{0}@example.com", "lone {low} surrogate", "Ann" },
        { "displayName", "ann{0}@example.com", "correct horse", "" },
        { "displayName", "ann{0}@example.com", "correct horse", "   " },
        { "displayName", "ann{0}@example.com", "correct horse", new string('n', 101) },
        { "displayName", "ann{0}@example.com", "correct horse", "Ann\u0000" },
        { "displayName", "ann{0}@example.com", "correct horse", "Ann\u001B[31m" },
        { "displayName", "ann{0}@example.com", "correct horse", "evil\u202Egnp.exe" },
        { "displayName", "ann{0}@example.com", "correct horse", "half {high} emoji" },
    };

    [Theory]
    [MemberData(nameof(InvalidAccounts))]
    public async Task An_invalid_field_is_400_naming_it_and_writes_no_row(string field, string email, string password, string displayName)
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        string Expand(string value) => value.Replace("{0}", marker, StringComparison.Ordinal)
            .Replace("{high}", "\uD83D", StringComparison.Ordinal).Replace("{low}", "\uDC00", StringComparison.Ordinal);
        (email, password, displayName) = (Expand(email), Expand(password), Expand(displayName));

        var response = await _client.PostAsync("/api/auth/register", RawJson.Fields(("email", email), ("password", password), ("displayName", displayName)));

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(0, await UserTable.CountMarkedAsync(service.ConnectionString, marker));
    }

    public static TheoryData<string> UnusualButValidDisplayNames =>
    [
        "Robert'); DROP TABLE users;--",
        "' OR 1=1; --",
        "李小龍 🐉",
        "Zoë Ñuñez-Ærøskøbing",
        "👩‍👩‍👧‍👦",
        "مريم",
        "<script>alert(1)</script>",
    ];

    [Theory]
    [MemberData(nameof(UnusualButValidDisplayNames))]
    public async Task Text_that_looks_like_SQL_or_is_in_any_script_is_stored_verbatim(string displayName)
    {
        var email = $"o'brien.{Guid.NewGuid():N}@exämple.com";

        var response = await _client.PostAsJsonAsync("/api/auth/register", new { email, password = "correct horse", displayName });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = await UserTable.FindAsync(service.ConnectionString, email);
        Assert.Equal(displayName, stored?.DisplayName);
        Assert.Equal(email, stored?.Email);
    }
}
