using FastEndpoints;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Http;
using Npgsql;

namespace MinimalBackend.Features.Auth;

/// <summary>The body of resend-confirmation and forgot-password: the address to send the link to.</summary>
public sealed record EmailLinkRequest(string Email);

public sealed class EmailLinkRequestValidator : Validator<EmailLinkRequest>
{
    public EmailLinkRequestValidator()
    {
        RuleFor(x => x.Email).ValidEmail();
    }
}

/// <summary>
/// What resend-confirmation and forgot-password share: they answer 202 with no body whether or not the address has an
/// account, after the same work either way (one lookup under the email identity rule, one job enqueued, which finds
/// nothing to send for no account), so neither the answer nor its timing says which addresses have accounts. Limited
/// per client address (each endpoint its own window) and per email (<see cref="EmailLinkLimiter"/>, both together).
/// </summary>
public abstract class EmailLinkEndpoint(NpgsqlDataSource database, EmailLinkLimiter limiter) : Endpoint<EmailLinkRequest>
{
    /// <summary>Enqueues the email's job for the account the address reaches, or with no account when it reaches none.</summary>
    protected abstract Task EnqueueAsync(AccountLookup lookup, CancellationToken ct);

    protected void ConfigureEmailLink(string route, string summary)
    {
        Post(route);
        AllowAnonymous();
        Options(x => x.RequireRateLimiting(AuthRateLimits.PerClientAddress));
        Description(d => d
            .ClearDefaultProduces(StatusCodes.Status200OK)
            .Produces(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status429TooManyRequests));
        Summary(s =>
        {
            s.Summary = summary;
            s.Responses[StatusCodes.Status202Accepted] = "Accepted, whether or not the address has an account: if it has, a link is on its way";
        });
    }

    public override async Task HandleAsync(EmailLinkRequest req, CancellationToken ct)
    {
        AccountLookup lookup;
        await using (var connection = await database.OpenConnectionAsync(ct))
        {
            lookup = await UserAccounts.FindByEmailAsync(connection, req.Email, ct);
        }
        using (var permit = limiter.TryAcquire(lookup.EmailKey))
        {
            if (!permit.IsAcquired)
            {
                await Send.ResultAsync(RetryLaterProblems.TooManyRequests(HttpContext, permit.RetryAfter()));
                return;
            }
        }
        await EnqueueAsync(lookup, ct);
        await Send.ResultAsync(TypedResults.Accepted((string?)null));
    }
}
