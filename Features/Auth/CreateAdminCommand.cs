using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Commands;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Auth;

/// <summary>
/// <c>users create-admin --email a@b.c</c>: creates an account with the <c>admin</c> role, the way to get the
/// first administrator. The password comes from <see cref="PasswordVariable"/> or a prompt that does not echo,
/// never from the command line, where shell history and <c>ps</c> would keep it.
/// </summary>
public sealed class CreateAdminCommand(NpgsqlDataSource database, PasswordHasher passwords) : IConsoleCommand
{
    public const string PasswordVariable = "ADMIN_PASSWORD";

    public string Name => "users create-admin";

    public string Usage => $"--email <address> [--display-name <name>]  (password from {PasswordVariable} or a prompt)";

    public IReadOnlyCollection<string> OptionNames { get; } = ["email", "display-name"];

    public async Task<int> RunAsync(CommandOptions options, CancellationToken cancellationToken)
    {
        var email = options.Get("email") ?? throw new CommandLineException("--email is required.");
        var password = Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : PromptForPassword();
        if (password is null)
        {
            await Console.Error.WriteLineAsync($"No password: set {PasswordVariable} or type it at the prompt.");
            return 1;
        }

        var account = new RegisterRequest(email, password, options.Get("display-name") ?? "Administrator");
        var validation = await new RegisterValidator().ValidateAsync(account, cancellationToken);
        if (!validation.IsValid)
        {
            foreach (var error in validation.Errors)
            {
                await Console.Error.WriteLineAsync(error.ErrorMessage);
            }
            return 1;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        if (!await UserAccounts.CanCreateWithAsync(connection, email, cancellationToken))
        {
            await Console.Error.WriteLineAsync(UserAccounts.UnsafeCaseMessage);
            return 1;
        }
        var passwordHash = await passwords.HashAsync(password, cancellationToken);
        var admin = await UserAccounts.TryCreateAsync(connection, null, new NewAccount(email, passwordHash, account.DisplayName, UserRoles.Admin), cancellationToken);
        if (admin is null)
        {
            await Console.Error.WriteLineAsync($"A user with the email {email} already exists.");
            return 1;
        }
        await Console.Out.WriteLineAsync($"Created administrator {admin.Email} (id {admin.Id}).");
        return 0;
    }

    private static string? PromptForPassword()
    {
        var password = SecretPrompt.Read("Password for the new administrator: ");
        if (password is null || Console.IsInputRedirected)
        {
            return password;
        }
        return SecretPrompt.Read("Repeat the password: ") == password ? password : throw new CommandLineException("The passwords differ.");
    }
}
