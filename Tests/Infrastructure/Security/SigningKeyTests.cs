using System.Net;
using System.Net.Http.Json;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Infrastructure.Security;

// The service as its own process, where the environment decides where the key comes from.
[RunsLong]
[Collection(nameof(SigningKeyTests))]
public sealed class SigningKeyTests(DatabaseFixture database) : IDisposable
{
    [CollectionDefinition(nameof(SigningKeyTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly string _directory = Directory.CreateTempSubdirectory("minimal-backend-keys-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("")]
    [InlineData("only-31-bytes-long-not-enough!!")]
    public async Task Outside_Development_a_missing_or_short_key_stops_startup_with_a_clear_message(string key)
    {
        var result = await ServiceProcess.RunToExitAsync(database.ConnectionString, "Production", [], new Dictionary<string, string> { ["Jwt__SigningKey"] = key });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Jwt:SigningKey is missing or shorter than 32 bytes", result.Output, StringComparison.Ordinal);
        Assert.Contains("Jwt__SigningKey", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Development_generates_a_private_key_once_and_tokens_survive_a_restart()
    {
        var keyFile = Path.Combine(_directory, "data", "jwt-signing-key");
        var settings = new Dictionary<string, string>
        {
            ["Jwt__SigningKey"] = "",
            ["Jwt__DevelopmentKeyFile"] = keyFile,
            ["PasswordHashing__MemoryKiB"] = "64",
            // Where ASP.NET Core Data Protection would put a key ring; nothing here should need one.
            ["HOME"] = _directory,
        };

        TestAccount account;
        await using (var first = await ServiceProcess.StartAsync(database.ConnectionString, "Development", settings))
        {
            using var client = new HttpClient { BaseAddress = first.BaseAddress };
            account = await TestAccounts.SignUpAsync(client);
            await first.StopAsync();
        }
        var key = await File.ReadAllTextAsync(keyFile);
        await using var second = await ServiceProcess.StartAsync(database.ConnectionString, "Development", settings);
        using var secondClient = new HttpClient { BaseAddress = second.BaseAddress };

        var me = await secondClient.GetAsync("/api/users/me", account.AccessToken);

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(key, await File.ReadAllTextAsync(keyFile));
        Assert.True(key.Length >= 32);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.False(Directory.Exists(Path.Combine(_directory, ".aspnet")), "a Data Protection key ring was written");
        Assert.Equal(account.Id, (await me.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid());
    }
}
