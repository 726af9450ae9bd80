using System.Text;
using System.Text.Json;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Infrastructure.OpenApi;

// The live document through the two linters API tooling runs in CI: Redocly's recommended ruleset and Spectral's
// spectral:oas, at the versions Tests/Client/package-lock.json pins, with the rules Tests/Client/redocly.yaml and
// .spectral.yaml turn off (each with its reason).
[Collection(nameof(ApiLintTests))]
public sealed class ApiLintTests(ServiceFixture service) : IClassFixture<ServiceFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("minimal-backend-openapi-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [CollectionDefinition(nameof(ApiLintTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task Redocly_recommended_rules_find_no_error_and_no_warning()
    {
        var document = await ClientProject.SaveDocumentAsync(service.Client, _directory);

        var result = await ClientProject.RunAsync("node_modules/@redocly/cli/bin/cli.js", ["lint", "--config", "redocly.yaml", "--format", "json", document]);

        // Redocly exits with 0 on warnings: its JSON report's totals decide. The report comes first; a notice may follow on stderr.
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(result.Output[result.Output.IndexOf('{', StringComparison.Ordinal)..]));
        using var report = JsonDocument.ParseValue(ref reader);
        var totals = report.RootElement.GetProperty("totals");
        Assert.True(totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0, result.Output);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Spectral_oas_rules_find_nothing_down_to_hints()
    {
        var document = await ClientProject.SaveDocumentAsync(service.Client, _directory);

        var output = await ClientProject.RunCheckedAsync(
            "node_modules/@stoplight/spectral-cli/dist/index.js", ["lint", "--ruleset", ".spectral.yaml", "--fail-severity", "hint", document]);

        Assert.Contains("No results with a severity of 'hint' or higher found", output, StringComparison.Ordinal);
    }
}
