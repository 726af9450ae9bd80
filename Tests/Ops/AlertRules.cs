using MinimalBackend.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MinimalBackend.Tests.Ops;

public sealed record AlertRule(string Name, string Expression, string Severity, IReadOnlyDictionary<string, string> Annotations);

/// <summary>A recording rule: the series it records (with its extra labels) and its expression.</summary>
public sealed record RecordingRule(string Name, IReadOnlyDictionary<string, string> Labels, string Expression);

/// <summary>The alerting rules of ops/prometheus/alerts.yml.</summary>
public static class AlertRules
{
    public static string FilePath { get; } = Path.Combine(RepositoryRoot.Path, "ops", "prometheus", "alerts.yml");

    public static IReadOnlyList<AlertRule> Load() =>
        Rules()
            .Where(rule => rule.Children.ContainsKey("alert"))
            .Select(rule => new AlertRule(
                Yaml.Scalar(rule["alert"]),
                Yaml.Scalar(rule["expr"]),
                Yaml.Scalar(((YamlMappingNode)rule["labels"])["severity"]),
                ((YamlMappingNode)rule["annotations"]).Children.ToDictionary(a => Yaml.Scalar(a.Key), a => Yaml.Scalar(a.Value))))
            .ToList();

    /// <summary>The recording rules (the SLO ratios the burn-rate alerts and the dashboard read).</summary>
    public static IReadOnlyList<RecordingRule> LoadRecordingRules() =>
        Rules()
            .Where(rule => rule.Children.ContainsKey("record"))
            .Select(rule => new RecordingRule(
                Yaml.Scalar(rule["record"]),
                rule.Children.TryGetValue("labels", out var labels)
                    ? ((YamlMappingNode)labels).Children.ToDictionary(l => Yaml.Scalar(l.Key), l => Yaml.Scalar(l.Value))
                    : new Dictionary<string, string>(),
                Yaml.Scalar(rule["expr"])))
            .ToList();

    private static IEnumerable<YamlMappingNode> Rules() =>
        ((YamlSequenceNode)Yaml.Load(FilePath)["groups"]).Children.Cast<YamlMappingNode>()
            .SelectMany(group => ((YamlSequenceNode)group["rules"]).Children.Cast<YamlMappingNode>());
}
