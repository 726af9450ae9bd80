using Dapper;
using FastEndpoints;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Users;

public sealed class GetUserRequest
{
    public Guid Id { get; init; }
}

/// <summary>
/// A user's account by id: administrators read any, a user only their own (the <c>Location</c> registration answers
/// with is this URL, so a new account can follow it). Anyone else's id is 403 whether or not it exists, so the
/// answer says nothing about which ids do; 404 problem details when there is no such user.
/// </summary>
public sealed class GetUserEndpoint(NpgsqlDataSource database) : Endpoint<GetUserRequest, UserResponse>
{
    public override void Configure()
    {
        Get("/api/users/{id}");
        Group<SignedInApi>();
        Description(d => d.ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "A user's account (administrators: any user; users: their own)";
            s.Responses[StatusCodes.Status403Forbidden] = "Another user's account, and the caller is not an administrator (whether or not the id exists)";
        });
    }

    public override async Task HandleAsync(GetUserRequest req, CancellationToken ct)
    {
        if (!User.IsInRole(UserRoles.Admin) && User.SignedInUserId() != req.Id)
        {
            await Send.ResultAsync(TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden));
            return;
        }
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
