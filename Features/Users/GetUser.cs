using Dapper;
using FastEndpoints;
using Npgsql;

namespace MinimalBackend.Features.Users;

public sealed class GetUserRequest
{
    public Guid Id { get; init; }
}

public sealed record UserProfileResponse(Guid Id, string DisplayName, DateTime CreatedAt);

/// <summary>A user's public profile by id; 404 problem details when there is no such user.</summary>
public sealed class GetUserEndpoint(NpgsqlDataSource database) : Endpoint<GetUserRequest, UserProfileResponse>
{
    public override void Configure()
    {
        Get("/api/users/{id}");
        AllowAnonymous();
        Description(d => d.ProducesProblem(StatusCodes.Status404NotFound));
        Summary(s => s.Summary = "A user's public profile");
    }

    public override async Task HandleAsync(GetUserRequest req, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var user = await connection.QuerySingleOrDefaultAsync<UserProfileResponse>(new CommandDefinition(
            "SELECT id, display_name, created_at FROM users WHERE id = @Id", new { req.Id }, cancellationToken: ct));
        if (user is null)
        {
            await Send.ResultAsync(TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound, title: "User not found", detail: $"There is no user with id {req.Id}."));
            return;
        }
        await Send.OkAsync(user, ct);
    }
}
