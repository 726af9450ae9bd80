namespace MinimalBackend.Features.Users;

/// <summary>The answers the signed-in user's own endpoints share.</summary>
public static class CurrentUserProblems
{
    /// <summary>A valid token for an account that no longer exists is no longer a valid credential (RFC 6750's invalid_token).</summary>
    public static IResult AccountGone() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized, title: "Account not found", detail: "The account this token was issued for no longer exists.");
}
