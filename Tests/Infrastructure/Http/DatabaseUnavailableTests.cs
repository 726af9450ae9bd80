using System.Net;
using System.Net.Sockets;
using MinimalBackend.Infrastructure.Database;
using MinimalBackend.Tests.Support;
using Npgsql;
using static MinimalBackend.Tests.Support.ProblemResponses;

namespace MinimalBackend.Tests.Infrastructure.Http;

[Collection(nameof(DatabaseUnavailableTests))]
public sealed class DatabaseUnavailableTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(DatabaseUnavailableTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task A_session_the_server_shuts_down_mid_request_is_503_with_retry_after()
    {
        var response = await _client.GetAsync("/test/database/terminated");

        var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        Assert.Equal("Database unavailable", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_statement_that_fails_for_another_reason_stays_500_without_retry_after()
    {
        var response = await _client.GetAsync("/test/database/division");

        await AssertProblemAsync(response, HttpStatusCode.InternalServerError);
        Assert.False(response.Headers.Contains("Retry-After"));
    }

    [Theory]
    [InlineData("57P01")] // admin_shutdown: a restart, or pg_terminate_backend
    [InlineData("57P02")] // crash_shutdown
    [InlineData("57P03")] // cannot_connect_now: starting up, shutting down
    [InlineData("53300")] // too_many_connections
    [InlineData("53200")] // out_of_memory
    [InlineData("08006")] // connection_failure
    public void These_server_errors_mean_the_database_is_unavailable(string sqlState) =>
        Assert.True(DatabaseUnavailability.IsUnavailable(new PostgresException("m", "FATAL", "FATAL", sqlState)));

    [Theory]
    [InlineData("22012")] // division_by_zero
    [InlineData("23505")] // unique_violation
    [InlineData("40001")] // serialization_failure: one transaction's bad luck, not the database's state
    [InlineData("40P01")] // deadlock_detected
    [InlineData("42P01")] // undefined_table
    public void These_server_errors_do_not(string sqlState) =>
        Assert.False(DatabaseUnavailability.IsUnavailable(new PostgresException("m", "ERROR", "ERROR", sqlState)));

    [Fact]
    public void A_refused_connection_a_pool_timeout_and_a_broken_connection_mean_unavailable_and_a_misuse_does_not()
    {
        Assert.True(DatabaseUnavailability.IsUnavailable(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(DatabaseUnavailability.IsUnavailable(new NpgsqlException("The connection pool has been exhausted", new TimeoutException())));
        Assert.True(DatabaseUnavailability.IsUnavailable(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));
        Assert.True(DatabaseUnavailability.IsUnavailable(new InvalidOperationException("wrapped", new NpgsqlException("x", new IOException()))));
        Assert.False(DatabaseUnavailability.IsUnavailable(new NpgsqlException("A command is already in progress")));
        Assert.False(DatabaseUnavailability.IsUnavailable(new InvalidOperationException("not the database")));
    }
}
