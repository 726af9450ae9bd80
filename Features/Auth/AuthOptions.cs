namespace MinimalBackend.Features.Auth;

/// <summary>Bound from the <c>Auth</c> section.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>How long a refresh token stays usable after it is issued; each refresh issues a new one.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// How long a replaced refresh token still gets a fresh pair (the "reuse interval" of Auth0 and Okta): two tabs
    /// refreshing with one token at once, or a retry after a lost response, keep the session. Later reuse revokes it.
    /// </summary>
    public TimeSpan RefreshReuseGrace { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>How long an expired or revoked refresh token's row is kept before the hourly housekeeping deletes it.</summary>
    public TimeSpan RefreshTokenRetention { get; set; } = TimeSpan.FromDays(1);

    public AuthRateLimitOptions RateLimits { get; set; } = new();
}

/// <summary>
/// Bound from <c>Auth:RateLimits</c>. Fixed windows: each client address gets <see cref="PerClientAddress"/>
/// requests per window on each of register, login and refresh, and each email <see cref="PerEmail"/> login
/// attempts per window, whichever address they come from.
/// </summary>
public sealed class AuthRateLimitOptions
{
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    public int PerClientAddress { get; set; } = 30;

    public int PerEmail { get; set; } = 5;
}
