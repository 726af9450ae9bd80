using System.Buffers;
using System.Globalization;
using System.Text;
using FluentValidation;

namespace MinimalBackend.Infrastructure.Validation;

/// <summary>
/// Rules for text that is stored and shown back to people. PostgreSQL's <c>text</c> cannot hold NUL, and a
/// lone UTF-16 surrogate cannot be encoded as UTF-8 at all: both must be a 400 naming the field, not a 500
/// from the database driver.
/// </summary>
public static class TextRules
{
    /// <summary>Well-formed Unicode with no control characters and no bidirectional overrides (the "Trojan Source" spoofing, CVE-2021-42574).</summary>
    public static IRuleBuilderOptions<T, string> PlainText<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(IsPlainText).WithMessage("'{PropertyName}' must be well-formed text without control characters.");

    /// <summary>Well-formed Unicode: every surrogate in a pair; anything else cannot be encoded as UTF-8.</summary>
    public static IRuleBuilderOptions<T, string> WellFormedUnicode<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(value => value is null || IsWellFormed(value)).WithMessage("'{PropertyName}' must be well-formed Unicode text.");

    public static bool IsPlainText(string? value)
    {
        if (value is null)
        {
            return true;
        }
        if (!IsWellFormed(value))
        {
            return false;
        }
        foreach (var rune in value.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Control || IsBidiControl(rune.Value))
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsWellFormed(string value)
    {
        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out var used) != OperationStatus.Done)
            {
                return false;
            }
            rest = rest[used..];
        }
        return true;
    }

    private static bool IsBidiControl(int codePoint) => codePoint is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069);
}
