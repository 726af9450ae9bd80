using MinimalBackend.Infrastructure.Commands;
using MinimalBackend.Infrastructure.OpenApi;

[assembly: ApiTag("Users", "The signed-in user's own account; every account, for administrators.")]

namespace MinimalBackend.Features.Users;

public static class UsersModule
{
    /// <summary>
    /// The users endpoints are discovered by FastEndpoints; this adds the tokens of the emailed account links
    /// (<see cref="AccountTokens"/>), the <c>seed</c> command and the policy of the signed-in endpoints' group
    /// (<see cref="SignedInApi"/>).
    /// </summary>
    public static WebApplicationBuilder AddUsersFeature(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccountTokensOptions>().BindConfiguration(AccountTokensOptions.SectionName)
            .Validate(o => o.EmailConfirmationLifetime > TimeSpan.Zero && o.PasswordResetLifetime > TimeSpan.Zero,
                "AccountTokens:EmailConfirmationLifetime and AccountTokens:PasswordResetLifetime must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<AccountTokens>();
        builder.Services.AddAuthorization(SignedInApi.AddPolicy);
        builder.Services.AddCommand<SeedUsersCommand>();
        return builder;
    }
}
