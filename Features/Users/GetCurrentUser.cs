using System.Data;
using FastEndpoints;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Users;

/// <summary>
/// The signed-in user's own account. The id comes from the access token only, never from the request, so
/// no one reaches another user's data through this endpoint.
/// </summary>
public sealed class GetCurrentUserEndpoint(NpgsqlDataSource database) : EndpointWithoutRequest<UserResponse>
{
    public override void Configure()
    {
        Get("/api/users/me");
        Group<SignedInApi>();
        Summary(s => s.Summary = "The signed-in user's account");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var user = User.SignedInUserId() is { } id ? await GetCurrentUserData.ReadAsync(database, id, ct) : null;
        if (user is null)
        {
            await Send.ResultAsync(CurrentUserProblems.AccountGone());
            return;
        }
        await Send.ResultAsync(TypedResults.Json(user, UserJson.Default.UserResponse));
    }
}

/// <summary>
/// The account's row, by primary key. Written against Npgsql directly, not Dapper, because it runs on nearly every
/// signed-in request: a command of the data source (no connection object to open and return, which multiplexing
/// does not need), a positional parameter (<c>$1</c>: Npgsql sends the SQL as it is, without parsing it for named
/// parameters) and the row read by position (README, Database-backed requests).
/// </summary>
public static class GetCurrentUserData
{
    private const string Sql = $"SELECT {UserResponse.Columns} FROM users WHERE id = $1";

    public static async Task<UserResponse?> ReadAsync(NpgsqlDataSource database, Guid id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var command = database.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, ct);
        return await reader.ReadAsync(ct) ? UserResponse.Read(reader) : null;
    }
}
