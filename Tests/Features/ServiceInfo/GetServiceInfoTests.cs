using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.ServiceInfo;

[Collection(PostgresTests.Name)]
public sealed class GetServiceInfoTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task Info_names_the_service_its_version_and_environment()
    {
        var response = await service.Client.GetAsync("/api/info");

        Snapshot.Match(await ResponseSnapshot.OfAsync(response));
    }
}
