namespace MinimalBackend.Features.Users;

/// <summary>The answers the users endpoints share.</summary>
public static class CurrentUserProblems
{
    /// <summary>A valid token for an account that no longer exists is no longer a valid credential (RFC 6750's invalid_token).</summary>
    public static IResult AccountGone() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized, title: "Account not found", detail: "The account this token was issued for no longer exists.");

    public static IResult UserNotFound(Guid id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "User not found", detail: $"There is no user with id {id}.");

    /// <summary>Deleting the last administrator would leave nobody who can make another one through the API.</summary>
    public static IResult LastAdministrator() => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, title: "Last administrator",
        detail: "This is the only administrator's account: make another administrator (users create-admin) before deleting it.");
}
