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

    /// <summary>
    /// Whether sign-in needs a confirmed address. Off by default: a new user can use the account at once, and an email
    /// that is slow or lost never locks anyone out; turn it on where an unproven address must not get an account
    /// (invitations, data sent by email). On, login answers 403 to an unconfirmed account's correct password.
    /// </summary>
    public bool RequireConfirmedEmail { get; set; }

    public AuthRateLimitOptions RateLimits { get; set; } = new();
}

/// <summary>
/// Bound from <c>Auth:RateLimits</c>. Fixed windows: each client address gets <see cref="PerClientAddress"/>
/// requests per window on each anonymous auth endpoint, and each email <see cref="PerEmail"/> login attempts per
/// window, whichever address they come from; each email also gets <see cref="EmailLinksPerEmail"/> requests for an
/// emailed link (resend confirmation, forgot password) per <see cref="EmailLinkWindow"/>.
/// </summary>
public sealed class AuthRateLimitOptions
{
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    public int PerClientAddress { get; set; } = 30;

    public int PerEmail { get; set; } = 5;

    /// <summary>Long: the limit protects a mailbox from being flooded with links, and its owner needs only one.</summary>
    public TimeSpan EmailLinkWindow { get; set; } = TimeSpan.FromMinutes(15);

    public int EmailLinksPerEmail { get; set; } = 3;
}
