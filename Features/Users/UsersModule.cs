using MinimalBackend.Infrastructure.Commands;
using MinimalBackend.Infrastructure.OpenApi;
using MinimalBackend.Metrics;

[assembly: ApiTag("Users", "The signed-in user's own account; every account, for administrators.")]

namespace MinimalBackend.Features.Users;

public static class UsersModule
{
    /// <summary>
    /// The users endpoints are discovered by FastEndpoints; this adds the tokens of the emailed account links
    /// (<see cref="AccountTokens"/>), the <c>seed</c> command, the policy of the signed-in endpoints' group
    /// (<see cref="SignedInApi"/>), account deletion and its metric.
    /// </summary>
    public static WebApplicationBuilder AddUsersFeature(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccountTokensOptions>().BindConfiguration(AccountTokensOptions.SectionName)
            .Validate(o => o.EmailConfirmationLifetime > TimeSpan.Zero && o.PasswordResetLifetime > TimeSpan.Zero,
                "AccountTokens:EmailConfirmationLifetime and AccountTokens:PasswordResetLifetime must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<AccountTokens>();
        builder.Services.AddAuthorization(SignedInApi.AddPolicy);
        builder.Services.AddSingleton<AccountDeletion>();
        builder.Services.AddMetrics<UsersMetrics>();
        builder.Services.AddCommand<SeedUsersCommand>();
        return builder;
    }
}
