using Dapper;
using FastEndpoints;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// A test-only endpoint whose statement fails in PostgreSQL for a chosen reason, on the service's own pool:
/// <c>terminated</c> has the server end the request's session (57P01, as a restart or an administrator would),
/// <c>division</c> fails on its own merits (22012, division by zero).
/// </summary>
public sealed class FailingQueryEndpoint(NpgsqlDataSource database) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Get("/test/database/{failure}");
        AllowAnonymous();
        Description(d => d.ExcludeFromDescription());
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var sql = Route<string>("failure") switch
        {
            "terminated" => "SELECT pg_terminate_backend(pg_backend_pid())",
            "division" => "SELECT 1 / 0",
            _ => "SELECT 1",
        };
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(sql, cancellationToken: ct));
        await Send.OkAsync(cancellation: ct);
    }
}
