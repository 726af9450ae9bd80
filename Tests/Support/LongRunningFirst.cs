using System.Reflection;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("MinimalBackend.Tests.Support.LongRunningFirst", "MinimalBackend.Tests")]

namespace MinimalBackend.Tests.Support;

/// <summary>
/// Marks a test class that takes half a minute or more of wall time, most of it waiting (processes it starts,
/// Prometheus's evaluation, real timers): its collection starts before the others (<see cref="LongRunningFirst"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RunsLongAttribute : Attribute;

/// <summary>
/// Starts the collections of <see cref="RunsLongAttribute"/> classes first, the rest in xUnit's usual order after
/// them: a long class that started last ended the suite alone, its waits no longer beside anything else.
/// </summary>
public sealed class LongRunningFirst : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(collection => RunsLong(collection) ? 0 : 1);

    private static bool RunsLong(ITestCollection collection)
    {
        // A collection defined inside its class (DatabaseFixture's pattern), or xUnit's default one per class.
        var type = collection.CollectionDefinition?.ToRuntimeType()?.DeclaringType
            ?? (collection.DisplayName.StartsWith(DefaultCollectionPrefix, StringComparison.Ordinal)
                ? typeof(LongRunningFirst).Assembly.GetType(collection.DisplayName[DefaultCollectionPrefix.Length..])
                : null);
        return type?.GetCustomAttribute<RunsLongAttribute>() is not null;
    }

    private const string DefaultCollectionPrefix = "Test collection for ";
}
