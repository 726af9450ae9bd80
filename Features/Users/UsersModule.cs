using MinimalBackend.Infrastructure.Commands;
using MinimalBackend.Infrastructure.OpenApi;
using MinimalBackend.Metrics;

[assembly: ApiTag("Users", "The signed-in user's own account; every account, for administrators.")]

namespace MinimalBackend.Features.Users;

public static class UsersModule
{
    /// <summary>
    /// The users endpoints are discovered by FastEndpoints; this adds the <c>seed</c> command, the policy of the
    /// signed-in endpoints' group (<see cref="SignedInApi"/>), account deletion and its metric.
    /// </summary>
    public static WebApplicationBuilder AddUsersFeature(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthorization(SignedInApi.AddPolicy);
        builder.Services.AddSingleton<AccountDeletion>();
        builder.Services.AddMetrics<UsersMetrics>();
        builder.Services.AddCommand<SeedUsersCommand>();
        return builder;
    }
}
