using System.Text.Json;
using System.Text.Json.Serialization;
using MinimalBackend.Infrastructure.OpenApi;
using Npgsql;

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

    /// <summary>
    /// The row the reader is on, read from <see cref="Columns"/> by position: the hot reads (<c>/api/users/me</c>)
    /// map it by hand instead of through Dapper (README, Database-backed requests).
    /// </summary>
    public static UserResponse Read(NpgsqlDataReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new(row.GetGuid(0), row.GetString(1), row.GetString(2), row.GetString(3), row.GetBoolean(4), row.GetDateTime(5));
    }
}

/// <summary>
/// <see cref="UserResponse"/>'s JSON written by code the compiler generates (System.Text.Json's source generator,
/// the API's web defaults: camelCase names) rather than by reflection-built metadata: <c>/api/users/me</c> answers
/// through it (README, Database-backed requests).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(UserResponse))]
public sealed partial class UserJson : JsonSerializerContext;

/// <summary>The closed set the <c>users.role</c> check constraint allows; the access token's <c>role</c> claim.</summary>
public static class UserRoles
{
    public const string User = "user";
    public const string Admin = "admin";
}
