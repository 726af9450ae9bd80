using FastEndpoints;
using Microsoft.AspNetCore.Authorization;
using MinimalBackend.Infrastructure.Security;

namespace MinimalBackend.Features.Users;

/// <summary>
/// The endpoints a signed-in user calls: an access token with a user id (<c>sub</c>), whatever the role. An
/// endpoint joins with <c>Group&lt;SignedInApi&gt;()</c> after its route, so the policy is written once, here,
/// instead of left to FastEndpoints' default (any authenticated caller) endpoint by endpoint.
/// </summary>
public sealed class SignedInApi : Group
{
    /// <summary>The authorization policy (<see cref="AddPolicy"/>): authenticated, with a user id the handlers can rely on.</summary>
    public const string Policy = "signed-in";

    public SignedInApi()
    {
        Configure("", endpoint => endpoint.Policies(Policy));
    }

    public static void AddPolicy(AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(Policy, policy => policy.RequireAuthenticatedUser().RequireClaim(AccessTokenClaims.UserId));
    }
}

/// <summary>
/// The endpoints only administrators call: signed in (<see cref="SignedInApi"/>) with the <c>admin</c> role
/// (403 for any other). Sub-groups add what a part of the admin API shares (the queue dashboard's
/// <c>QueueDashboardApi</c>).
/// </summary>
public sealed class AdministratorsApi : SubGroup<SignedInApi>
{
    public AdministratorsApi()
    {
        Configure("", endpoint => endpoint.Roles(UserRoles.Admin));
    }
}
