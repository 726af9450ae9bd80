using MinimalBackend.Infrastructure;
using Prometheus;

namespace MinimalBackend.Metrics;

/// <summary>
/// <c>minimal_backend_build_info{version, commit}</c>, always 1: which build each instance runs, the usual
/// Prometheus "info" shape (like <c>prometheus_build_info</c>), so a dashboard shows a rollout and a query can
/// join it (<c>* on (instance) group_left(version, commit)</c>). The commit is the git commit the build was made
/// from, or <c>unknown</c> for a build without git.
/// </summary>
public sealed class BuildInfoMetrics
{
    public const string Name = "minimal_backend_build_info";

    public BuildInfoMetrics(IMetricFactory metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var info = metrics.CreateGauge(
            Name,
            "The build this instance runs, always 1: version is the project's version, commit the git commit it was built from (unknown without git).",
            new GaugeConfiguration { LabelNames = ["version", "commit"] });
        info.WithLabels(BuildInfo.Version, BuildInfo.Commit).Set(1);
    }
}
