using MinimalBackend.Tests.Support;
using Newtonsoft.Json.Linq;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Infrastructure.OpenApi;

[Collection(nameof(ApiDocumentTests))]
public sealed class ApiDocumentTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(ApiDocumentTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task The_OpenAPI_document_matches_the_reviewed_contract()
    {
        var document = JObject.Parse(await service.Client.GetStringAsync("/openapi/v1.json"));

        Snapshot.Match(document);
    }

    [Fact]
    public async Task Test_only_endpoints_stay_out_of_the_document()
    {
        var document = JObject.Parse(await service.Client.GetStringAsync("/openapi/v1.json"));

        var paths = ((JObject)document["paths"]!).Properties().Select(p => p.Name).ToList();
        Assert.Contains("/api/users/{id}", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/test/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_interactive_page_is_not_served_outside_Development()
    {
        var response = await service.Client.GetAsync("/docs");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }
}
