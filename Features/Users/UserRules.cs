using System.Globalization;
using System.Text;
using FluentValidation;
using MinimalBackend.Infrastructure.Validation;

namespace MinimalBackend.Features.Users;

/// <summary>What an email address and a display name must be, wherever a client sends one.</summary>
public static class UserRules
{
    /// <summary>RFC 5321's limits: 254 characters in all, 64 before the @.</summary>
    public const int EmailMaxLength = 254;
    public const int DisplayNameMaxLength = 100;

    public static IRuleBuilderOptions<T, string> ValidEmail<T>(this IRuleBuilderInitial<T, string> rule) =>
        rule.Cascade(CascadeMode.Stop)
            .NotEmpty()
            .MaximumLength(EmailMaxLength)
            .HasFormat("email", IsEmailAddress, "'{PropertyName}' must be an email address such as ann@example.com.");

    /// <summary>1 to 100 UTF-16 code units (what JavaScript's <c>length</c> counts), not only whitespace.</summary>
    public static IRuleBuilderOptions<T, string> ValidDisplayName<T>(this IRuleBuilderInitial<T, string> rule) =>
        rule.Cascade(CascadeMode.Stop)
            .NotEmpty()
            .MaximumLength(DisplayNameMaxLength)
            .PlainText();

    /// <summary>
    /// One @ with 1 to 64 characters before it and a dotted domain after it, and no whitespace, control or
    /// format characters. Deliberately loose beyond that: internationalized addresses (RFC 6531) pass, and
    /// only a mail server can say whether an address exists.
    /// </summary>
    public static bool IsEmailAddress(string email)
    {
        var at = email.IndexOf('@', StringComparison.Ordinal);
        if (at is < 1 or > 64 || at != email.LastIndexOf('@'))
        {
            return false;
        }
        var domain = email.AsSpan(at + 1);
        if (domain.Length < 3 || domain[0] == '.' || domain[^1] == '.' || !domain.Contains('.') || domain.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }
        if (!TextRules.IsWellFormed(email))
        {
            return false;
        }
        foreach (var rune in email.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format)
            {
                return false;
            }
        }
        return true;
    }
}
