using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.ServiceInfo;

[Collection(nameof(GetServiceInfoTests))]
public sealed class GetServiceInfoTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(GetServiceInfoTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task Info_names_the_service_its_version_and_environment()
    {
        var response = await service.Client.GetAsync("/api/info");

        // The version carries the commit it was built from (1.0.0+<sha>), so it varies with every commit.
        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "version"));
    }
}
