using Dapper;
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
        await using var connection = await database.OpenConnectionAsync(ct);
        var user = await connection.QuerySingleOrDefaultAsync<UserResponse>(new CommandDefinition(
            $"SELECT {UserResponse.Columns} FROM users WHERE id = @Id", new { Id = User.SignedInUserId() }, cancellationToken: ct));
        if (user is null)
        {
            await Send.ResultAsync(CurrentUserProblems.AccountGone());
            return;
        }
        await Send.OkAsync(user, ct);
    }
}
