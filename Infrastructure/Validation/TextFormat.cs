using FluentValidation;
using FluentValidation.Validators;

namespace MinimalBackend.Infrastructure.Validation;

/// <summary>A string rule that is also a JSON Schema <c>format</c> (<c>email</c>): the OpenAPI document shows the format the validator enforces.</summary>
public interface ITextFormatValidator
{
    string Format { get; }
}

public static class TextFormat
{
    /// <summary>The value must pass <paramref name="isValid"/>; the OpenAPI document gives the property <c>format: <paramref name="format"/></c>.</summary>
    public static IRuleBuilderOptions<T, string> HasFormat<T>(this IRuleBuilder<T, string> rule, string format, Func<string, bool> isValid, string message) =>
        rule.SetValidator(new TextFormatValidator<T>(format, isValid, message));

    private sealed class TextFormatValidator<T>(string format, Func<string, bool> isValid, string message) : PropertyValidator<T, string>, ITextFormatValidator
    {
        public override string Name => "TextFormatValidator";

        public string Format => format;

        public override bool IsValid(ValidationContext<T> context, string value) => value is null || isValid(value);

        protected override string GetDefaultMessageTemplate(string errorCode) => message;
    }
}
