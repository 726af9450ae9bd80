using MinimalBackend.Features.Email;

namespace MinimalBackend.Tests.Features.Email;

public sealed class ClientLinksTests
{
    [Theory]
    [InlineData("http://localhost:5173", "http://localhost:5173/confirm-email?token=abc_-1")]
    [InlineData("https://app.example.com/", "https://app.example.com/confirm-email?token=abc_-1")]
    [InlineData("https://example.com/app/", "https://example.com/app/confirm-email?token=abc_-1")]
    [InlineData("https://example.com/app", "https://example.com/app/confirm-email?token=abc_-1")]
    public void A_link_is_the_client_page_under_the_base_URL_with_the_token_in_its_query(string baseUrl, string expected)
    {
        Assert.Equal(expected, ClientLinks.To(new AppOptions { ClientBaseUrl = baseUrl }, ClientLinks.ConfirmEmailPage, "abc_-1"));
    }

    [Theory]
    [InlineData("http://localhost:5173", true)]
    [InlineData("https://app.example.com/account/", true)]
    [InlineData("", false)]
    [InlineData("localhost:5173", false)]
    [InlineData("/relative/path", false)]
    [InlineData("ftp://example.com", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("https://example.com/?next=x", false)]
    [InlineData("https://example.com/#top", false)]
    public void Only_an_absolute_http_or_https_URL_without_query_or_fragment_is_a_client_base_URL(string url, bool valid)
    {
        Assert.Equal(valid, AppOptions.IsValidClientBaseUrl(url));
    }
}
