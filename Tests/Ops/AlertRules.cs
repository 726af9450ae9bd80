using MinimalBackend.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MinimalBackend.Tests.Ops;

public sealed record AlertRule(string Name, string Expression, string Severity, IReadOnlyDictionary<string, string> Annotations);

/// <summary>The alerting rules of ops/prometheus/alerts.yml.</summary>
public static class AlertRules
{
    public static string FilePath { get; } = Path.Combine(RepositoryRoot.Path, "ops", "prometheus", "alerts.yml");

    public static IReadOnlyList<AlertRule> Load() =>
        ((YamlSequenceNode)Yaml.Load(FilePath)["groups"]).Children.Cast<YamlMappingNode>()
            .SelectMany(group => ((YamlSequenceNode)group["rules"]).Children.Cast<YamlMappingNode>())
            .Where(rule => rule.Children.ContainsKey("alert"))
            .Select(rule => new AlertRule(
                Yaml.Scalar(rule["alert"]),
                Yaml.Scalar(rule["expr"]),
                Yaml.Scalar(((YamlMappingNode)rule["labels"])["severity"]),
                ((YamlMappingNode)rule["annotations"]).Children.ToDictionary(a => Yaml.Scalar(a.Key), a => Yaml.Scalar(a.Value))))
            .ToList();
}
