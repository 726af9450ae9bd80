using System.Net;
using System.Net.Http.Json;
using Dapper;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Auth;

// Register and its welcome email, end to end: HTTP in, a real SMTP server out.
[Collection(nameof(RegisterWelcomeEmailTests))]
public sealed class RegisterWelcomeEmailTests(SmtpServiceFixture service, DatabaseFixture database) : IClassFixture<SmtpServiceFixture>
{
    [CollectionDefinition(nameof(RegisterWelcomeEmailTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task Registering_sends_the_welcome_email_to_the_new_address()
    {
        using var client = service.Host.CreateSocketClient();
        var fake = FakeUsers.Next();

        var response = await client.PostAsJsonAsync("/api/auth/register", new { email = fake.Email, password = fake.Password, displayName = fake.DisplayName });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = await service.Smtp.WaitForMessageToAsync(fake.Email);
        Assert.Equal(fake.DisplayName, Assert.Single(message.To.Mailboxes).Name);
        Assert.Contains($"Hi {fake.DisplayName},", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_duplicate_registration_enqueues_no_second_email()
    {
        using var client = service.Host.CreateSocketClient();
        var fake = FakeUsers.Next();
        await client.PostAsJsonAsync("/api/auth/register", new { email = fake.Email, password = fake.Password, displayName = fake.DisplayName });

        var duplicate = await client.PostAsJsonAsync("/api/auth/register", new { email = fake.Email.ToUpperInvariant(), password = fake.Password, displayName = "Someone Else" });

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        await service.Smtp.WaitForMessageToAsync(fake.Email);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM jobs WHERE type = 'send_welcome_email' AND lower(payload->>'email') = lower(@Email)", new { fake.Email }));
    }
}
