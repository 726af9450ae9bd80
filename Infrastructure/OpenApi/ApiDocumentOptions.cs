namespace MinimalBackend.Infrastructure.OpenApi;

/// <summary>
/// Whether the document and its page are served, and who publishes the API under which terms: the document's
/// <c>info.contact</c> and <c>info.license</c>.
/// </summary>
public sealed class ApiDocumentOptions
{
    public const string Section = "ApiDocument";

    /// <summary>Serve the OpenAPI document at <c>/openapi/v1.json</c> (default: yes; clients generate from it, and it says nothing the API does not).</summary>
    public bool ServeDocument { get; set; } = true;

    /// <summary>Serve the interactive page at <c>/docs</c> (default: in Development only); only while the document is served.</summary>
    public bool? ServeDocs { get; set; }

    public string ContactName { get; set; } = "MinimalBackend maintainers";

    public string? ContactUrl { get; set; }

    public string? ContactEmail { get; set; }

    /// <summary>The repository has no license file: all rights reserved until its owner picks one.</summary>
    public string LicenseName { get; set; } = "All rights reserved";

    public string LicenseUrl { get; set; } = "https://choosealicense.com/no-permission/";
}
