using FastEndpoints;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Http;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Auth;

public sealed record LoginRequest(string Email, string Password);

public sealed class LoginValidator : Validator<LoginRequest>
{
    public LoginValidator()
    {
        RuleFor(x => x.Email).ValidEmail();
        RuleFor(x => x.Password).EnteredPassword();
    }
}

/// <summary>
/// Checks an email and password and starts a session. A wrong password and an unknown email get the same 401
/// body after the same work (a dummy hash is checked for an unknown email), so neither reveals which emails
/// have accounts.
/// With <c>Auth:RequireConfirmedEmail</c>, the right password of an account whose address is not confirmed yet is a 403
/// (told only to whoever knows the password), counted as neither success nor failure.
/// </summary>
public sealed class LoginEndpoint(
    NpgsqlDataSource database, PasswordHasher passwords, LoginAttemptLimiter attempts, SessionTokens sessions, IOptions<AuthOptions> options, AuthMetrics metrics)
    : Endpoint<LoginRequest, TokenResponse>
{
    public override void Configure()
    {
        Post("/api/auth/login");
        AllowAnonymous();
        Options(x => x.RequireRateLimiting(AuthRateLimits.PerClientAddress));
        Description(d => d
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable));
        Summary(s =>
        {
            s.Summary = "Sign in: an access token and a refresh token";
            s.Responses[StatusCodes.Status401Unauthorized] = "The email or the password is wrong (the same answer for both)";
            s.Responses[StatusCodes.Status403Forbidden] = "The account's email address is not confirmed yet (only when Auth:RequireConfirmedEmail is on)";
            s.Responses[StatusCodes.Status503ServiceUnavailable] = PasswordHasher.BusyDescription;
        });
    }

    public override async Task HandleAsync(LoginRequest req, CancellationToken ct)
    {
        SessionTokens.ForbidCaching(HttpContext.Response);
        AccountLookup lookup;
        await using (var connection = await database.OpenConnectionAsync(ct))
        {
            lookup = await UserAccounts.FindByEmailAsync(connection, req.Email, ct);
        }
        // Counted per identity key: every spelling that reaches one account shares its limit.
        using var attempt = attempts.TryAcquire(lookup.EmailKey);
        if (!attempt.IsAcquired)
        {
            await Send.ResultAsync(RetryLaterProblems.TooManyRequests(HttpContext, attempt.RetryAfter()));
            return;
        }

        var account = lookup.Account;
        var check = await passwords.VerifyAsync(account?.PasswordHash, req.Password, ct);
        if (account is null || check == PasswordVerificationResult.Failed)
        {
            metrics.LoginFailure();
            await Send.ResultAsync(TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized, title: "Invalid credentials", detail: "The email or the password is wrong."));
            return;
        }

        if (options.Value.RequireConfirmedEmail && !account.EmailConfirmed)
        {
            await Send.ResultAsync(TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden, title: "Email address not confirmed",
                detail: "Open the link emailed to this address to confirm it, or ask for a new one (POST /api/auth/resend-confirmation), then sign in."));
            return;
        }

        await using var session = await database.OpenConnectionAsync(ct);
        if (check == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // The stored hash was made with fewer iterations than configured now: upgrade it while the password is at hand.
            await UserAccounts.UpdatePasswordHashAsync(session, null, account.Id, await passwords.HashAsync(req.Password, ct), ct);
        }
        var tokens = await sessions.IssueAsync(session, null, account.Id, account.Role, familyId: Guid.NewGuid(), ct);
        metrics.LoginSuccess();
        await Send.OkAsync(tokens, ct);
    }
}
