using MinimalBackend.Infrastructure.Commands;

namespace MinimalBackend.Tests.Infrastructure.Commands;

public sealed class CommandOptionsTests
{
    private static readonly string[] Allowed = ["email", "users"];

    [Fact]
    public void Options_are_read_as_separate_words_or_with_an_equals_sign()
    {
        var options = CommandOptions.Parse(["--email", "a@b.c", "--users=12"], Allowed);

        Assert.Equal("a@b.c", options.Get("email"));
        Assert.Equal(12, options.GetInt("users", 1));
    }

    [Fact]
    public void A_missing_option_takes_its_default()
    {
        var options = CommandOptions.Parse([], Allowed);

        Assert.Null(options.Get("email"));
        Assert.Equal(100, options.GetInt("users", 100));
    }

    [Theory]
    [InlineData("--password", "secret")]
    [InlineData("stray", "word")]
    public void An_unknown_option_or_a_stray_word_is_a_usage_error(string first, string second)
    {
        Assert.Throws<CommandLineException>(() => CommandOptions.Parse([first, second], Allowed));
    }

    [Fact]
    public void An_option_without_a_value_is_a_usage_error()
    {
        Assert.Throws<CommandLineException>(() => CommandOptions.Parse(["--email"], Allowed));
    }

    [Theory]
    [InlineData("ten")]
    [InlineData("-5")]
    [InlineData("1e3")]
    public void A_number_option_that_is_not_a_whole_number_is_a_usage_error(string value)
    {
        var options = CommandOptions.Parse(["--users", value], Allowed);

        Assert.Throws<CommandLineException>(() => options.GetInt("users", 1));
    }

    [Theory]
    [InlineData(new[] { "seed" }, true)]
    [InlineData(new[] { "users", "create-admin" }, true)]
    [InlineData(new[] { "--urls", "http://127.0.0.1:1" }, false)]
    [InlineData(new string[0], false)]
    public void A_process_runs_a_command_when_its_first_argument_is_a_word(string[] args, bool isCommand)
    {
        Assert.Equal(isCommand, CommandsModule.IsCommand(args));
    }
}
