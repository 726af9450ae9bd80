using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace MinimalBackend.Infrastructure.Security;

public static class SecurityModule
{
    /// <summary>
    /// JWT bearer authentication for every endpoint that is not anonymous: issuer, audience, lifetime and
    /// signature checked, HMAC-SHA256 only, the claims kept as the token names them (<c>sub</c>, <c>role</c>).
    /// </summary>
    public static WebApplicationBuilder AddJwtAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<JwtOptions>().BindConfiguration(JwtOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IPostConfigureOptions<JwtOptions>, DevelopmentSigningKey>();
        builder.Services.AddSingleton<IValidateOptions<JwtOptions>, JwtOptionsValidation>();
        builder.Services.AddSingleton<AccessTokenIssuer>();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        // AddAuthentication brings ASP.NET Core Data Protection, whose hosted service creates a key ring at every
        // start: a key file in $HOME and a warning that it is stored unencrypted. Bearer tokens never use it (no
        // cookies, no antiforgery here), so the ring is left to be created on first use, which never comes.
        // REVIEW: a feature that adds cookies must configure Data Protection (persisted, encrypted keys) instead.
        foreach (var keyRingLoader in builder.Services.Where(IsDataProtectionHostedService).ToList())
        {
            builder.Services.Remove(keyRingLoader);
        }
        builder.Services.AddSingleton<CachingJsonWebTokenHandler>();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>, CachingJsonWebTokenHandler>((bearer, jwtOptions, tokenHandler) =>
            {
                var jwt = jwtOptions.Value;
                bearer.MapInboundClaims = false;
                tokenHandler.MapInboundClaims = false;
                bearer.TokenHandlers.Clear();
                bearer.TokenHandlers.Add(tokenHandler);
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Issuer,
                    ValidAudience = jwt.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(jwt.SigningKeyBytes),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ValidateIssuer = true,
                    ValidateAudience = true,
                    ValidateLifetime = true,
                    ValidateIssuerSigningKey = true,
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    ClockSkew = jwt.ClockSkew,
                    NameClaimType = AccessTokenClaims.UserId,
                    RoleClaimType = AccessTokenClaims.Role,
                };
            });
        builder.Services.AddAuthorization();
        return builder;
    }

    private static bool IsDataProtectionHostedService(ServiceDescriptor service) =>
        service.ServiceType == typeof(IHostedService) && service.ImplementationType?.Assembly == typeof(DataProtectionOptions).Assembly;

    /// <summary>
    /// Authentication for the requests that present a token (an Authorization header, or the
    /// <c>access_token</c> query parameter WebSocket clients use); the rest are anonymous whatever the
    /// handler would say, so they skip it. Measured on the HTTP benchmark: about 5% of throughput.
    /// </summary>
    public static IApplicationBuilder UseAuthenticationWhenPresented(this IApplicationBuilder app)
    {
        app.UseWhen(
            context => context.Request.Headers.Authorization.Count > 0
                || (context.Request.QueryString.HasValue && context.Request.Query.ContainsKey("access_token")),
            branch => branch.UseAuthentication());
        // UseAuthentication marks only the branch's copy of the properties; without this mark on the main
        // pipeline, WebApplication would add its own UseAuthentication in front of everything and
        // authenticate every request anyway (ASP.NET Core's AuthAppBuilderExtensions.AuthenticationMiddlewareSetKey).
        app.Properties[AuthenticationMiddlewareSetKey] = true;
        return app;
    }

    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    public static WebApplicationBuilder AddPasswordHashing(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PasswordHashingOptions>().BindConfiguration(PasswordHashingOptions.SectionName)
            .Validate(o => o.MemoryKiB is >= PasswordHashingOptions.MinMemoryKiB and <= PasswordHashingOptions.MaxMemoryKiB
                    && o.Passes is >= 1 and <= PasswordHashingOptions.MaxPasses
                    && o.MaxConcurrentHashes >= 0 && o.MaxExpectedWait >= TimeSpan.Zero,
                "PasswordHashing:MemoryKiB must be 8 to 1048576 and Passes 1 to 64; MaxConcurrentHashes and MaxExpectedWait must not be negative.")
            .ValidateOnStart();
        builder.Services.AddSingleton<PasswordHasher>();
        builder.Services.AddHostedService<PasswordHashCalibration>();
        return builder;
    }
}
