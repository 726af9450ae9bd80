using MinimalBackend.Infrastructure.Commands;
using MinimalBackend.Infrastructure.Http;
using MinimalBackend.Infrastructure.OpenApi;
using MinimalBackend.Infrastructure.Security;
using MinimalBackend.Metrics;

[assembly: ApiTag("Auth", "Accounts and sessions: register, confirm the email address, sign in, refresh the tokens, sign out, reset a forgotten password. No access token needed.")]

namespace MinimalBackend.Features.Auth;

public static class AuthModule
{
    /// <summary>
    /// JWT bearer authentication and roles, password hashing, sessions (and the hourly deletion of refresh tokens
    /// nobody can use any more), the sign-in and emailed-link rate limits, and the <c>users create-admin</c> command.
    /// </summary>
    public static WebApplicationBuilder AddAuthFeature(this WebApplicationBuilder builder)
    {
        builder.AddJwtAuthentication();
        builder.AddPasswordHashing();
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName)
            .Validate(o => o.RefreshTokenRetention >= TimeSpan.Zero, "Auth:RefreshTokenRetention must not be negative.")
            .Validate(o => o.RefreshTokenLifetime > TimeSpan.Zero && o.RateLimits.Window > TimeSpan.Zero && o.RateLimits.EmailLinkWindow > TimeSpan.Zero
                    && o.RateLimits.PerClientAddress > 0 && o.RateLimits.PerEmail > 0 && o.RateLimits.EmailLinksPerEmail > 0,
                "Auth:RefreshTokenLifetime, Auth:RateLimits:Window and Auth:RateLimits:EmailLinkWindow must be positive, and so must the Auth:RateLimits permit counts.")
            .Validate(o => o.RefreshReuseGrace >= TimeSpan.Zero && o.RefreshReuseGrace < o.RefreshTokenLifetime,
                "Auth:RefreshReuseGrace must be zero or more, and shorter than Auth:RefreshTokenLifetime.")
            .ValidateOnStart();
        builder.Services.AddRateLimitingWithProblemDetails();
        builder.Services.AddRateLimiter(AuthRateLimits.AddPolicies);
        builder.Services.AddSingleton<LoginAttemptLimiter>();
        builder.Services.AddSingleton<EmailLinkLimiter>();
        builder.Services.AddSingleton<SessionTokens>();
        builder.Services.AddSingleton<CurrentPasswordCheck>();
        builder.Services.AddTransient<PruneRefreshTokens>();
        builder.Services.AddHostedService<RefreshTokenHousekeepingSchedule>();
        builder.Services.AddMetrics<AuthMetrics>();
        builder.Services.AddMetrics<AccountEmailMetrics>();
        builder.Services.AddCommand<CreateAdminCommand>();
        return builder;
    }

    /// <summary>
    /// Who is calling (the bearer token), what they may do (roles), then the rate limits. After the error
    /// pages in the pipeline, so the empty 401 and 403 of the middleware leave as problem details.
    /// </summary>
    public static WebApplication UseAuthFeature(this WebApplication app)
    {
        app.UseAuthenticationWhenPresented();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }
}
