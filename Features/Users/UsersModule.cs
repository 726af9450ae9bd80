using MinimalBackend.Infrastructure.Commands;
using MinimalBackend.Infrastructure.OpenApi;

[assembly: ApiTag("Users", "The signed-in user's own account; every account, for administrators.")]

namespace MinimalBackend.Features.Users;

public static class UsersModule
{
    /// <summary>
    /// The users endpoints are discovered by FastEndpoints; this adds the <c>seed</c> command and the policy of
    /// the signed-in endpoints' group (<see cref="SignedInApi"/>).
    /// </summary>
    public static WebApplicationBuilder AddUsersFeature(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthorization(SignedInApi.AddPolicy);
        builder.Services.AddCommand<SeedUsersCommand>();
        return builder;
    }
}
