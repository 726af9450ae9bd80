using MinimalBackend.Features.Users;

namespace MinimalBackend.Tests.Features.Users;

public sealed class UserRulesTests
{
    [Theory]
    [InlineData("ann@example.com")]
    [InlineData("Ann.Example+tag@sub.example.co.uk")]
    [InlineData("o'brien@example.com")]
    [InlineData("ünïcödé@exämple.com")]
    public void Ordinary_and_internationalized_addresses_are_email_addresses(string email)
    {
        Assert.True(UserRules.IsEmailAddress(email));
    }

    [Theory]
    [InlineData("plainaddress")]
    [InlineData("@example.com")]
    [InlineData("ann@")]
    [InlineData("ann@localhost")]
    [InlineData("ann@@example.com")]
    [InlineData("ann@example..com")]
    [InlineData("ann@.example.com")]
    [InlineData("ann example@example.com")]
    [InlineData("ann@example.com ")]
    [InlineData("ann\u200B@example.com")]
    [InlineData("' OR '1'='1")]
    public void Anything_else_is_not(string email)
    {
        Assert.False(UserRules.IsEmailAddress(email));
    }

    [Fact]
    public void The_part_before_the_at_is_at_most_64_characters()
    {
        Assert.True(UserRules.IsEmailAddress(new string('a', 64) + "@example.com"));
        Assert.False(UserRules.IsEmailAddress(new string('a', 65) + "@example.com"));
    }
}
