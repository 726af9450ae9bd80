using Dapper;
using FastEndpoints;
using Npgsql;

namespace MinimalBackend.Features.Users;

public sealed class GetUserRequest
{
    public Guid Id { get; init; }
}

/// <summary>Any user's account by id, for administrators; 404 problem details when there is no such user.</summary>
public sealed class GetUserEndpoint(NpgsqlDataSource database) : Endpoint<GetUserRequest, UserResponse>
{
    public override void Configure()
    {
        Get("/api/users/{id}");
        Roles(UserRoles.Admin);
        Description(d => d.ProducesProblem(StatusCodes.Status404NotFound));
        Summary(s => s.Summary = "A user's account (administrators only)");
    }

    public override async Task HandleAsync(GetUserRequest req, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var user = await connection.QuerySingleOrDefaultAsync<UserResponse>(new CommandDefinition(
            $"SELECT {UserResponse.Columns} FROM users WHERE id = @Id", new { req.Id }, cancellationToken: ct));
        if (user is null)
        {
            await Send.ResultAsync(TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound, title: "User not found", detail: $"There is no user with id {req.Id}."));
            return;
        }
        await Send.OkAsync(user, ct);
    }
}
