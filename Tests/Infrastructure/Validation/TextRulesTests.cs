using MinimalBackend.Infrastructure.Validation;

namespace MinimalBackend.Tests.Infrastructure.Validation;

public sealed class TextRulesTests
{
    [Theory]
    [InlineData("Ann Example")]
    [InlineData("李小龍 🐉")]
    [InlineData("👩‍👩‍👧‍👦")]
    [InlineData("Zoë")]
    [InlineData("Robert'); DROP TABLE users;--")]
    public void Ordinary_text_in_any_script_is_plain_text(string value)
    {
        Assert.True(TextRules.IsPlainText(value));
    }

    // Built in code: xUnit would replace a lone surrogate in attribute data with U+FFFD.
    public static TheoryData<string, string> NotPlainText => new()
    {
        { "NUL", "a\u0000b" },
        { "escape", "a\u001Bb" },
        { "delete", "a\u007Fb" },
        { "right-to-left override", "a\u202Eb" },
        { "first strong isolate", "a\u2068b" },
        { "lone high surrogate", "a" + (char)0xD83D + "b" },
        { "lone low surrogate", "a" + (char)0xDC00 },
        { "swapped surrogates", "a" + (char)0xDC00 + (char)0xD83D },
    };

    [Theory]
    [MemberData(nameof(NotPlainText), DisableDiscoveryEnumeration = true)]
    public void Control_characters_bidi_overrides_and_lone_surrogates_are_not(string what, string value)
    {
        Assert.False(TextRules.IsPlainText(value), what);
    }

    [Fact]
    public void A_surrogate_pair_is_well_formed_and_half_of_one_is_not()
    {
        Assert.True(TextRules.IsWellFormed("🐉"));
        Assert.False(TextRules.IsWellFormed("🐉"[..1]));
    }
}
