using FastEndpoints;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Http;
using MinimalBackend.Infrastructure.Security;

namespace MinimalBackend.Features.Auth;

/// <summary>The password typed again, in a JSON body: a DELETE's query string would put it in access logs.</summary>
[JsonBodyOnDelete]
public sealed record DeleteCurrentUserRequest(string Password);

public sealed class DeleteCurrentUserValidator : Validator<DeleteCurrentUserRequest>
{
    public DeleteCurrentUserValidator()
    {
        RuleFor(x => x.Password).EnteredPassword();
    }
}

/// <summary>
/// Deletes the signed-in user's account, proven by its password, which is checked as sign-in checks one (the same
/// limits, 429 and 503): the account, its notifications, its sessions and its jobs go at once, and an email still
/// queued to it is never sent. The last administrator's account is not deleted (409).
/// </summary>
// In Auth rather than Users: it checks credentials as sign-in does (CurrentPasswordCheck), then asks Users' AccountDeletion.
public sealed class DeleteCurrentUserEndpoint(CurrentPasswordCheck currentPassword, AccountDeletion deletion) : Endpoint<DeleteCurrentUserRequest>
{
    public override void Configure()
    {
        Delete("/api/users/me");
        Group<SignedInApi>();
        Options(x => x.RequireRateLimiting(AuthRateLimits.PerClientAddress));
        Description(d => d
            .Accepts<DeleteCurrentUserRequest>("application/json")
            .ClearDefaultProduces(StatusCodes.Status200OK)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable));
        Summary(s =>
        {
            s.Summary = "Delete the signed-in user's account, with its notifications, sessions and jobs";
            s.Responses[StatusCodes.Status400BadRequest] =
                "A field breaks a rule, or `password` is not the account's password (then `errors.password` says so)";
            s.Responses[StatusCodes.Status409Conflict] = "The account is the last administrator's";
            s.Responses[StatusCodes.Status503ServiceUnavailable] = PasswordHasher.BusyDescription;
        });
    }

    public override async Task HandleAsync(DeleteCurrentUserRequest req, CancellationToken ct)
    {
        var userId = User.SignedInUserId()!.Value;
        if (await currentPassword.CheckAsync(HttpContext, userId, req.Password, "password", ct) is { } refused)
        {
            await Send.ResultAsync(refused);
            return;
        }
        await Send.ResultAsync(await deletion.DeleteAsync(userId, userId, AccountDeletion.BySelf, ct) switch
        {
            AccountDeletionOutcome.Deleted => TypedResults.NoContent(),
            AccountDeletionOutcome.NotFound => CurrentUserProblems.AccountGone(),
            _ => CurrentUserProblems.LastAdministrator(),
        });
    }
}
