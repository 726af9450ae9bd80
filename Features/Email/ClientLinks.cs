using System.Globalization;

namespace MinimalBackend.Features.Email;

/// <summary>Bound from the <c>App</c> section: where the client application that users open is.</summary>
public sealed class AppOptions
{
    public const string SectionName = "App";

    /// <summary>
    /// The client application's base URL (absolute, http or https). Emailed links point at its pages
    /// (<c>/confirm-email</c>, <c>/reset-password</c>), which post the link's token to the API: a link that opened the
    /// API itself would act on a GET, which mail scanners and link previews follow.
    /// </summary>
    public string ClientBaseUrl { get; set; } = "http://localhost:5173";

    public static bool IsValidClientBaseUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment);
}

/// <summary>The links the emails carry: a page of the client application with the token in its query string.</summary>
public static class ClientLinks
{
    public const string ConfirmEmailPage = "confirm-email";
    public const string ResetPasswordPage = "reset-password";

    /// <summary><c>{App:ClientBaseUrl}/{page}?token={token}</c>; a base URL with a path keeps it (https://example.com/app/confirm-email?...).</summary>
    public static string To(AppOptions options, string page, string token)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.Create(CultureInfo.InvariantCulture, $"{options.ClientBaseUrl.TrimEnd('/')}/{page}?token={Uri.EscapeDataString(token)}");
    }
}
