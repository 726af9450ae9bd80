namespace MinimalBackend.Infrastructure.OpenApi;

/// <summary>Who publishes the API and under which terms: the document's <c>info.contact</c> and <c>info.license</c>.</summary>
public sealed class ApiDocumentOptions
{
    public const string Section = "ApiDocument";

    public string ContactName { get; set; } = "MinimalBackend maintainers";

    public string? ContactUrl { get; set; }

    public string? ContactEmail { get; set; }

    /// <summary>The repository has no license file: all rights reserved until its owner picks one.</summary>
    public string LicenseName { get; set; } = "All rights reserved";

    public string LicenseUrl { get; set; } = "https://choosealicense.com/no-permission/";
}
