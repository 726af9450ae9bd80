namespace MinimalBackend.Metrics;

/// <summary>
/// Bound from the <c>MetricsEndpoint</c> section: where <c>/metrics</c> is served and whether a scrape must
/// present credentials. By default it is open on the service's own port, which suits local development.
/// </summary>
public sealed class MetricsEndpointOptions
{
    public const string SectionName = "MetricsEndpoint";

    /// <summary>
    /// A port of its own for <c>/metrics</c>, served there and no longer on the service's port, so the
    /// network can keep it from clients. Unset: served on the service's port.
    /// </summary>
    public int? Port { get; set; }

    /// <summary>The address the metrics port listens on: 127.0.0.1, or 0.0.0.0 in a container Prometheus scrapes from outside.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>With <see cref="Password"/>, the HTTP Basic credentials (RFC 7617) a scrape must present.</summary>
    public string Username { get; set; } = "";

    public string Password { get; set; } = "";

    public bool RequiresCredentials => Username.Length > 0;
}
