using Bogus;
using MinimalBackend.Features.Email;
using MinimalBackend.Features.Users;
using Npgsql;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// Welcome emails of accounts that exist. The welcome handler sends nothing to an account deleted since its job was
/// enqueued, so a test that enqueues welcome emails directly creates their accounts first.
/// </summary>
public static class WelcomeEmails
{
    private static readonly Faker Faker = new();

    public static async Task<WelcomeEmail[]> OfNewAccountsAsync(string connectionString, int count)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var emails = new WelcomeEmail[count];
        for (var i = 0; i < count; i++)
        {
            var account = new NewAccount(
                Faker.Internet.Email(uniqueSuffix: Guid.NewGuid().ToString("N")[..8]), "not a usable hash", Faker.Name.FullName(), UserRoles.User);
            var user = await UserAccounts.TryCreateAsync(connection, null, account, CancellationToken.None)
                ?? throw new InvalidOperationException($"{account.Email} is taken");
            emails[i] = new WelcomeEmail(user.Id, user.Email, user.DisplayName);
        }
        return emails;
    }
}
