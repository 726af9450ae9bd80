using FastEndpoints;
using MinimalBackend.Infrastructure.Security;

namespace MinimalBackend.Features.Users;

public sealed class DeleteUserRequest
{
    public Guid Id { get; init; }
}

/// <summary>
/// An administrator deletes an account, with its notifications, sessions and jobs, at once; recorded with the
/// administrator's id (never the deleted account's data) in the audit table and the log. Their own account too,
/// unless it is the last administrator's (409: nobody could make another one through the API).
/// </summary>
public sealed class DeleteUserEndpoint(AccountDeletion deletion) : Endpoint<DeleteUserRequest>
{
    public override void Configure()
    {
        Delete("/api/users/{id}");
        Group<AdministratorsApi>();
        Description(d => d
            .ClearDefaultProduces(StatusCodes.Status200OK)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict));
        Summary(s =>
        {
            s.Summary = "Delete a user's account with its notifications, sessions and jobs (administrators only)";
            s.Responses[StatusCodes.Status409Conflict] = "The account is the last administrator's";
        });
    }

    public override async Task HandleAsync(DeleteUserRequest req, CancellationToken ct)
    {
        var outcome = await deletion.DeleteAsync(req.Id, User.SignedInUserId()!.Value, AccountDeletion.ByAdmin, ct);
        await Send.ResultAsync(outcome switch
        {
            AccountDeletionOutcome.Deleted => TypedResults.NoContent(),
            AccountDeletionOutcome.NotFound => CurrentUserProblems.UserNotFound(req.Id),
            _ => CurrentUserProblems.LastAdministrator(),
        });
    }
}
