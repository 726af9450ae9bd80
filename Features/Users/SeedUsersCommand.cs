using System.Diagnostics;
using Dapper;
using MinimalBackend.Infrastructure.Commands;
using MinimalBackend.Infrastructure.Database;
using MinimalBackend.Infrastructure.Security;
using Npgsql;
using NpgsqlTypes;

namespace MinimalBackend.Features.Users;

/// <summary>
/// <c>seed --users 10000</c>: fills the users table with fake users (<see cref="FakeUsers"/>) in one binary
/// COPY, so a newcomer has data to page through. They all share one password, hashed once: hashing each
/// on its own would cost 10,000 times the deliberate cost of one hash. <c>seed --total 200</c> adds only
/// as many as the table lacks to hold 200 users, so running it again adds none (<c>./ops/run --demo</c>).
/// </summary>
public sealed class SeedUsersCommand([FromKeyedServices(DatabaseModule.SessionConnections)] NpgsqlDataSource database, PasswordHasher passwords, IHostEnvironment environment) : IConsoleCommand
{
    public const string Password = "seeded-password";
    public const int DefaultCount = 100;
    public const int MaxCount = 1_000_000;

    public string Name => "seed";

    public string Usage => $"[--users <count to add, default {DefaultCount}> | --total <users the table should hold at least>]";

    public IReadOnlyCollection<string> OptionNames { get; } = ["users", "total"];

    public async Task<int> RunAsync(CommandOptions options, CancellationToken cancellationToken)
    {
        if (options.Get("users") is not null && options.Get("total") is not null)
        {
            throw new CommandLineException("--users and --total do not go together.");
        }
        var total = options.Get("total") is null ? (int?)null : options.GetInt("total", 0);
        var count = total ?? options.GetInt("users", DefaultCount);
        if (count is < 1 or > MaxCount)
        {
            throw new CommandLineException($"--{(total is null ? "users" : "total")} must be between 1 and {MaxCount}.");
        }
        if (environment.IsProduction())
        {
            await Console.Error.WriteLineAsync(
                "seed writes fake users who share a published password, so it does not run in Production. " +
                "Run it with ASPNETCORE_ENVIRONMENT=Development (./ops/run seed does).");
            return 1;
        }

        var started = Stopwatch.GetTimestamp();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        if (total is not null)
        {
            var existing = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM users", cancellationToken: cancellationToken));
            count = (int)Math.Max(0, total.Value - existing);
            if (count == 0)
            {
                await Console.Out.WriteLineAsync(FormattableString.Invariant($"There are already {existing} users; seeded none."));
                return 0;
            }
        }
        var passwordHash = await passwords.HashAsync(Password, cancellationToken);
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY users (email, password_hash, display_name, role, created_at, updated_at) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var user in FakeUsers.Generate(count))
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(user.Email, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(passwordHash, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(user.DisplayName, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(UserRoles.User, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(user.CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
                await copy.WriteAsync(user.CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        await Console.Out.WriteLineAsync(FormattableString.Invariant(
            $"Seeded {count} users in {elapsed.TotalSeconds:0.00} s. Each signs in with the password '{Password}'."));
        return 0;
    }
}
