using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Metrics;

[Collection(nameof(BuildInfoMetricsTests))]
public sealed class BuildInfoMetricsTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(BuildInfoMetricsTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task The_scrape_names_the_version_and_the_git_commit_the_service_was_built_from()
    {
        var head = (await ProcessRunner.RunAsync("git", ["-C", RepositoryRoot.Path, "rev-parse", "HEAD"])).Output.Trim();

        var samples = await MetricsText.ScrapeAsync(service.Client);

        var info = Assert.Single(samples, s => s.Name == "minimal_backend_build_info");
        Assert.Equal(1, info.Value);
        Assert.Equal("1.0.0", info.Labels["version"]);
        // The commit this test binary's service was built from: HEAD of the checkout that built it.
        Assert.Equal(head, info.Labels["commit"]);
    }
}
