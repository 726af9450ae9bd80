using FastEndpoints;
using FluentValidation;
using FluentValidation.Results;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Auth;

/// <summary>The body of confirm-email: the token of the emailed link (the client's page reads it from its query string).</summary>
public sealed record ConfirmEmailRequest(string Token);

public sealed class ConfirmEmailValidator : Validator<ConfirmEmailRequest>
{
    public ConfirmEmailValidator()
    {
        RuleFor(x => x.Token).NotEmpty().MaximumLength(SecretTokens.MaxLength);
    }
}

/// <summary>
/// Confirms the address of the account a confirmation link was sent to: 204, then the account's <c>emailConfirmed</c>
/// is true. A token is single use and expires (<c>AccountTokens:EmailConfirmationLifetime</c>); an unknown, used or
/// expired one is a 400 naming <c>token</c>, and the client offers to send a new link.
/// </summary>
public sealed class ConfirmEmailEndpoint(NpgsqlDataSource database, AccountTokens tokens, TimeProvider time, AccountEmailMetrics metrics)
    : Endpoint<ConfirmEmailRequest>
{
    public override void Configure()
    {
        Post("/api/auth/confirm-email");
        AllowAnonymous();
        Options(x => x.RequireRateLimiting(AuthRateLimits.PerClientAddress));
        Description(d => d.Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status429TooManyRequests));
        Summary(s =>
        {
            s.Summary = "Confirm the account's email address with the token of the emailed link";
            s.Responses[StatusCodes.Status204NoContent] = "The address is confirmed";
            s.Responses[StatusCodes.Status400BadRequest] = "The token is missing, unknown, used or expired (errors.token says which): ask for a new link";
        });
    }

    public override async Task HandleAsync(ConfirmEmailRequest req, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var redeemed = await tokens.RedeemAsync(connection, transaction, req.Token, AccountTokenPurpose.EmailConfirmation, ct);
        if (redeemed is { Status: AccountTokenStatus.Ok, UserId: { } userId })
        {
            await UserAccounts.ConfirmEmailAsync(connection, transaction, userId, time.GetUtcNow(), ct);
            await transaction.CommitAsync(ct);
            metrics.Confirmation(AccountTokenStatus.Ok);
            await Send.NoContentAsync(ct);
            return;
        }
        metrics.Confirmation(redeemed.Status);
        AddError(EmailLinkProblems.TokenRefused(redeemed.Status));
        await Send.ErrorsAsync(cancellation: ct);
    }
}

/// <summary>The answers of the endpoints that take an emailed link's token.</summary>
public static class EmailLinkProblems
{
    public const string InvalidTokenMessage = "'token' is not a live link token: it is unknown, already used, or replaced by a newer one. Ask for a new email.";
    public const string ExpiredTokenMessage = "'token' has expired. Ask for a new email.";

    public static ValidationFailure TokenRefused(AccountTokenStatus status) =>
        new("token", status == AccountTokenStatus.Expired ? ExpiredTokenMessage : InvalidTokenMessage);
}
