using FastEndpoints;
using FluentValidation;

namespace MinimalBackend.Features.Auth;

/// <summary>The body of refresh and logout: the refresh token the client holds.</summary>
public sealed record RefreshTokenRequest(string RefreshToken);

public sealed class RefreshTokenRequestValidator : Validator<RefreshTokenRequest>
{
    public RefreshTokenRequestValidator()
    {
        RuleFor(x => x.RefreshToken).NotEmpty().MaximumLength(RefreshTokens.MaxLength);
    }
}
