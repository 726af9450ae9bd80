using MinimalBackend.Infrastructure.OpenApi;

namespace MinimalBackend.Features.Users;

/// <summary>
/// A user account as its owner and administrators see it; never the password hash. <see cref="EmailConfirmed"/>: the
/// owner has posted a token emailed to the address (POST /api/auth/confirm-email, or a password reset).
/// </summary>
public sealed record UserResponse(
    Guid Id, string Email, string DisplayName, [property: ClosedSet(typeof(UserRoles))] string Role, bool EmailConfirmed, DateTime CreatedAt)
{
    /// <summary>The <c>users</c> columns, in constructor order, that Dapper maps onto a <see cref="UserResponse"/>.</summary>
    public const string Columns = "id, email, display_name, role, email_confirmed_at IS NOT NULL AS email_confirmed, created_at";
}

/// <summary>The closed set the <c>users.role</c> check constraint allows; the access token's <c>role</c> claim.</summary>
public static class UserRoles
{
    public const string User = "user";
    public const string Admin = "admin";
}
