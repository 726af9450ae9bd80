using FluentValidation;
using MinimalBackend.Infrastructure.Validation;

namespace MinimalBackend.Features.Auth;

/// <summary>What a password must be: one chosen now (registration, a reset, a change), and one typed to prove who is asking.</summary>
public static class PasswordRules
{
    /// <summary>NIST SP 800-63B, section 5.1.1.2: at least 8 characters, allow at least 64, no composition rules.</summary>
    public const int MinLength = 8;
    public const int MaxLength = 128;

    public static IRuleBuilderOptions<T, string> ValidNewPassword<T>(this IRuleBuilderInitial<T, string> rule) =>
        rule.Cascade(CascadeMode.Stop)
            .NotEmpty()
            .Length(MinLength, MaxLength)
            .WellFormedUnicode();

    /// <summary>Only an upper bound: a password too short to have been chosen is simply a wrong password.</summary>
    public static IRuleBuilderOptions<T, string> EnteredPassword<T>(this IRuleBuilderInitial<T, string> rule) =>
        rule.Cascade(CascadeMode.Stop)
            .NotEmpty()
            .MaximumLength(MaxLength)
            .WellFormedUnicode();
}
