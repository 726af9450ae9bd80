using System.Net;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Features.Auth;

// The command as an operator runs it: the built service started with arguments, against the run's database.
[Collection(nameof(CreateAdminCommandTests))]
public sealed class CreateAdminCommandTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(CreateAdminCommandTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task The_password_comes_from_ADMIN_PASSWORD_and_the_new_administrator_can_list_users()
    {
        var email = FakeUsers.Next().Email;

        var result = await CreateAdminAsync(["--email", email, "--display-name", "Ada Admin"], new() { ["ADMIN_PASSWORD"] = "an admin password" });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"Created administrator {email}", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("an admin password", result.Output, StringComparison.Ordinal);
        var tokens = await TestAccounts.SignInAsync(service.Client, email, "an admin password");
        var users = await service.Client.GetAsync("/api/users", tokens.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, users.StatusCode);
        var stored = await UserTable.FindAsync(service.ConnectionString, email);
        Assert.Equal(("Ada Admin", "admin"), (stored?.DisplayName, stored?.Role));
    }

    [Fact]
    public async Task The_password_can_be_piped_on_standard_input()
    {
        var email = FakeUsers.Next().Email;

        var result = await CreateAdminAsync(["--email", email], standardInput: "a piped password\n");

        Assert.True(result.ExitCode == 0, result.Output);
        await TestAccounts.SignInAsync(service.Client, email, "a piped password");
    }

    [Fact]
    public async Task A_password_on_the_command_line_is_refused_and_nothing_is_written()
    {
        var email = FakeUsers.Next().Email;

        var result = await CreateAdminAsync(["--email", email, "--password", "in the shell history"]);

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("ADMIN_PASSWORD", result.Output, StringComparison.Ordinal);
        Assert.Null(await UserTable.FindAsync(service.ConnectionString, email));
    }

    [Fact]
    public async Task An_email_that_is_taken_or_a_short_password_is_an_error_that_changes_nothing()
    {
        var existing = await TestAccounts.SignUpAsync(service.Client);

        var taken = await CreateAdminAsync(["--email", existing.Email], new() { ["ADMIN_PASSWORD"] = "an admin password" });
        var tooShort = await CreateAdminAsync(["--email", FakeUsers.Next().Email], new() { ["ADMIN_PASSWORD"] = "short" });

        Assert.Equal((1, 1), (taken.ExitCode, tooShort.ExitCode));
        Assert.Contains("already exists", taken.Output, StringComparison.Ordinal);
        Assert.Contains("'password' must be between 8 and 128 characters", tooShort.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("user", (await UserTable.FindAsync(service.ConnectionString, existing.Email))?.Role);
    }

    private Task<ProcessResult> CreateAdminAsync(string[] options, Dictionary<string, string>? environment = null, string? standardInput = null) =>
        ServiceProcess.RunToExitAsync(service.ConnectionString, "Production", ["users", "create-admin", .. options],
            new Dictionary<string, string>(environment ?? []) { ["PasswordHashing__MemoryKiB"] = "64" }, standardInput);
}
