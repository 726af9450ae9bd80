using Dapper;
using FastEndpoints;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Users;

public sealed record UpdateCurrentUserRequest(string DisplayName);

public sealed class UpdateCurrentUserValidator : Validator<UpdateCurrentUserRequest>
{
    public UpdateCurrentUserValidator()
    {
        RuleFor(x => x.DisplayName).ValidDisplayName();
    }
}

/// <summary>Changes the signed-in user's display name; the account is the token's, whatever the body says.</summary>
public sealed class UpdateCurrentUserEndpoint(NpgsqlDataSource database) : Endpoint<UpdateCurrentUserRequest, UserResponse>
{
    public override void Configure()
    {
        Patch("/api/users/me");
        Group<SignedInApi>();
        Summary(s => s.Summary = "Change the signed-in user's display name");
    }

    public override async Task HandleAsync(UpdateCurrentUserRequest req, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var user = await connection.QuerySingleOrDefaultAsync<UserResponse>(new CommandDefinition(
            $"UPDATE users SET display_name = @DisplayName, updated_at = now() WHERE id = @Id RETURNING {UserResponse.Columns}",
            new { req.DisplayName, Id = User.SignedInUserId() },
            cancellationToken: ct));
        if (user is null)
        {
            await Send.ResultAsync(CurrentUserProblems.AccountGone());
            return;
        }
        await Send.OkAsync(user, ct);
    }
}
