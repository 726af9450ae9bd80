using MinimalBackend.Tests.Infrastructure.Database;
using MinimalBackend.Tests.Infrastructure.Jobs;
using MinimalBackend.Tests.Ops;
using Xunit.Sdk;

namespace MinimalBackend.Tests.Support;

public sealed class LongRunningFirstTests
{
    private static readonly TestAssembly Assembly = new(Reflector.Wrap(typeof(LongRunningFirstTests).Assembly));

    [Fact]
    public void Collections_of_long_running_classes_start_first_and_the_rest_keep_their_order()
    {
        var quick = DefaultCollectionOf(typeof(LongRunningFirstTests));
        var quickDefinedInside = CollectionDefinedBy(typeof(TypeLoadingTests.OwnDatabase));
        var longRunning = DefaultCollectionOf(typeof(RunScriptTests));
        var longRunningDefinedInside = CollectionDefinedBy(typeof(JobCrashTests.OwnDatabase));

        var ordered = new LongRunningFirst().OrderTestCollections([quick, longRunning, quickDefinedInside, longRunningDefinedInside]);

        Assert.Equal([longRunning, longRunningDefinedInside, quick, quickDefinedInside], ordered);
    }

    [Fact]
    public void The_test_assembly_orders_its_collections_with_it()
    {
        var orderer = Assert.Single(typeof(LongRunningFirstTests).Assembly.GetCustomAttributesData(), a => a.AttributeType == typeof(TestCollectionOrdererAttribute));

        Assert.Equal([typeof(LongRunningFirst).FullName, typeof(LongRunningFirst).Assembly.GetName().Name], orderer.ConstructorArguments.Select(a => a.Value));
    }

    // As xUnit names them: the default collection of a class, and a collection defined inside its class.
    private static TestCollection DefaultCollectionOf(Type testClass) => new(Assembly, null, "Test collection for " + testClass.FullName);

    private static TestCollection CollectionDefinedBy(Type definition) => new(Assembly, Reflector.Wrap(definition), definition.DeclaringType!.Name);
}
