using FastEndpoints;
using FluentValidation.Results;
using MinimalBackend.Features.Email;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Auth;

public sealed record RegisterRequest(string Email, string Password, string DisplayName);

public sealed class RegisterValidator : Validator<RegisterRequest>
{
    public RegisterValidator()
    {
        RuleFor(x => x.Email).ValidEmail();
        RuleFor(x => x.Password).ValidNewPassword();
        RuleFor(x => x.DisplayName).ValidDisplayName();
    }
}

/// <summary>
/// Creates a user with the <c>user</c> role and sends it two emails: a welcome, and a link that confirms the address;
/// 409 when another spelling of the email has an account (the identity rule of <see cref="UserAccounts"/>).
/// </summary>
public sealed class RegisterEndpoint(NpgsqlDataSource database, PasswordHasher passwords, EmailJobs emailJobs, AuthMetrics metrics) : Endpoint<RegisterRequest, UserResponse>
{
    public override void Configure()
    {
        Post("/api/auth/register");
        AllowAnonymous();
        Options(x => x.RequireRateLimiting(AuthRateLimits.PerClientAddress));
        Description(d => d
            .ClearDefaultProduces(StatusCodes.Status200OK)
            .Produces<UserResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable));
        Summary(s =>
        {
            s.Summary = "Create an account";
            s.Responses[StatusCodes.Status409Conflict] = "An account with this email address already exists";
            s.Responses[StatusCodes.Status503ServiceUnavailable] = PasswordHasher.BusyDescription;
        });
    }

    public override async Task HandleAsync(RegisterRequest req, CancellationToken ct)
    {
        await using (var check = await database.OpenConnectionAsync(ct))
        {
            if (!await UserAccounts.CanCreateWithAsync(check, req.Email, ct))
            {
                AddError(new ValidationFailure("email", UserAccounts.UnsafeCaseMessage));
                await Send.ErrorsAsync(cancellation: ct);
                return;
            }
        }
        // Hashed while no connection is held: the pool is not held during tens of milliseconds of CPU work.
        var passwordHash = await passwords.HashAsync(req.Password, ct);

        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var user = await UserAccounts.TryCreateAsync(connection, transaction, new NewAccount(req.Email, passwordHash, req.DisplayName, UserRoles.User), ct);
        if (user is null)
        {
            await Send.ResultAsync(TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "Email already registered", detail: "An account with this email address already exists."));
            return;
        }
        // The user, its welcome email and its confirmation link commit together or not at all.
        await emailJobs.EnqueueWelcomeAsync(connection, transaction, new WelcomeEmail(user.Id, user.Email, user.DisplayName), ct);
        await emailJobs.EnqueueConfirmationAsync(connection, transaction, new ConfirmationEmail(user.Id), ct);
        await transaction.CommitAsync(ct);
        metrics.UserRegistered();

        await Send.CreatedAtAsync<GetUserEndpoint>(new { id = user.Id }, user, cancellation: ct);
    }
}
