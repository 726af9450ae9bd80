using System.Text.Json;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Infrastructure.OpenApi;

// The contract test of the document: the TypeScript client a front-end developer would generate from it
// (openapi-typescript + openapi-fetch, @microsoft/signalr for the hub), compiled strictly and run against the service.
// A document change that breaks generated clients fails here: at generation, at compile time, or in the flow.
[RunsLong]
[Collection(nameof(GeneratedClientTests))]
public sealed class GeneratedClientTests(GeneratedClientTests.MailDirectoryHost service) : IClassFixture<GeneratedClientTests.MailDirectoryHost>, IDisposable
{
    private const string Flow = "src/flow.ts";
    private readonly string _directory = Directory.CreateTempSubdirectory("minimal-backend-client-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [CollectionDefinition(nameof(GeneratedClientTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task A_client_generated_from_the_live_document_compiles_strictly_and_runs_a_whole_session()
    {
        var admin = await TestAccounts.SignUpAdminAsync(service.Client, service.ConnectionString);
        var document = await ClientProject.SaveDocumentAsync(service.Client, _directory);

        await ClientProject.RunCheckedAsync("node_modules/openapi-typescript/bin/cli.js", [document, "--output", "src/generated/api.d.ts"]);
        await ClientProject.RunCheckedAsync("node_modules/typescript/bin/tsc", ["--project", "tsconfig.json", "--strict"]);
        var output = await ClientProject.RunCheckedAsync("out/flow.js", [], new Dictionary<string, string>
        {
            ["API_BASE_URL"] = service.Host.BaseAddress.ToString().TrimEnd('/'),
            ["ADMIN_ACCESS_TOKEN"] = admin.AccessToken,
            ["MAIL_DIRECTORY"] = service.MailDirectory,
        });

        Assert.Equal(
            ["register", "login", "me", "updateMe", "problem401", "problem400", "hubConnected", "hubNotification", "sendRetried", "listNotifications", "markRead", "refresh", "logout", "confirmEmail", "resetPassword", "changePassword", "deleteMe", "adminDelete"],
            Steps(output));
    }

    [Fact]
    public async Task The_client_flow_holds_no_casts_and_no_non_null_assertions()
    {
        var output = await ClientProject.RunCheckedAsync("scripts/no-assertions.mjs", [Flow]);

        Assert.Contains("no non-null or type assertions", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_assertion_check_finds_a_cast_and_a_non_null_assertion()
    {
        var sample = Path.Combine(_directory, "sample.ts");
        await File.WriteAllTextAsync(sample, "const a: string | undefined = \"x\";\nconst b = a!;\nconst c = a as string;\nconst d = [1] as const;\n");

        var result = await ClientProject.RunAsync("scripts/no-assertions.mjs", [sample]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("2 assertion(s)", result.Output, StringComparison.Ordinal);
    }

    private static List<string> Steps(string output) =>
        [.. output.Split('\n')
            .Where(line => line.StartsWith("{\"step\":", StringComparison.Ordinal))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("step").GetString()!)];

    /// <summary>The service writing its emails as .eml files to a folder of this class's own, where the flow reads its links.</summary>
    public sealed class MailDirectoryHost(DatabaseFixture database) : ServiceFixture(database), IDisposable
    {
        public string MailDirectory { get; } = Directory.CreateTempSubdirectory("minimal-backend-client-mail-").FullName;

        public void Dispose() => Directory.Delete(MailDirectory, recursive: true);

        protected override ServiceHost CreateHost(string connectionString) =>
            new(connectionString, new Dictionary<string, string?> { ["Email:PickupDirectory"] = MailDirectory });
    }
}
