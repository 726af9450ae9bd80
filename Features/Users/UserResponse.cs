using MinimalBackend.Infrastructure.OpenApi;

namespace MinimalBackend.Features.Users;

/// <summary>A user account as its owner and administrators see it; never the password hash.</summary>
public sealed record UserResponse(Guid Id, string Email, string DisplayName, [property: ClosedSet(typeof(UserRoles))] string Role, DateTime CreatedAt)
{
    /// <summary>The <c>users</c> columns, in constructor order, that Dapper maps onto a <see cref="UserResponse"/>.</summary>
    public const string Columns = "id, email, display_name, role, created_at";
}

/// <summary>The closed set the <c>users.role</c> check constraint allows; the access token's <c>role</c> claim.</summary>
public static class UserRoles
{
    public const string User = "user";
    public const string Admin = "admin";
}
