using MinimalBackend.Infrastructure.Database;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Infrastructure.Database;

[Collection(nameof(TypeLoadingTests))]
public sealed class TypeLoadingTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(TypeLoadingTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task By_default_the_pools_know_only_built_in_types_and_LoadServerTypes_reads_the_servers_own()
    {
        await using (var setup = new NpgsqlConnection(database.ConnectionString))
        {
            await setup.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TYPE type_loading_mood AS ENUM ('calm')", setup);
            await create.ExecuteNonQueryAsync();
        }

        // A built-in type reads either way; an enum, a type the server defined, only when its catalogue was loaded.
        await using var builtInOnly = new DatabaseOptions().DataSourceBuilder(database.ConnectionString).Build();
        Assert.Equal(42L, await builtInOnly.CreateCommand("SELECT 42::bigint").ExecuteScalarAsync());
        await Assert.ThrowsAnyAsync<Exception>(() => builtInOnly.CreateCommand("SELECT 'calm'::type_loading_mood").ExecuteScalarAsync());

        await using var loading = new DatabaseOptions { LoadServerTypes = true }.DataSourceBuilder(database.ConnectionString).Build();
        Assert.Equal("calm", await loading.CreateCommand("SELECT 'calm'::type_loading_mood").ExecuteScalarAsync());
    }
}
