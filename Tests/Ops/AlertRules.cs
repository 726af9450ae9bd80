using System.Text.RegularExpressions;
using MinimalBackend.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MinimalBackend.Tests.Ops;

public sealed record AlertRule(string Name, string Expression, string Severity, IReadOnlyDictionary<string, string> Annotations);

/// <summary>A recording rule: the series it records (with its extra labels) and its expression.</summary>
public sealed record RecordingRule(string Name, IReadOnlyDictionary<string, string> Labels, string Expression);

/// <summary>The alerting rules of ops/prometheus/alerts.yml.</summary>
public static partial class AlertRules
{
    public static string FilePath { get; } = Path.Combine(RepositoryRoot.Path, "ops", "prometheus", "alerts.yml");

    /// <summary>
    /// Writes the rules for a test's Prometheus into the folder given and returns the file's path: the real
    /// expressions, every group evaluated every second (a group's own <c>interval: 30s</c> overrides the
    /// evaluation interval of the configuration, so without this a test's Prometheus evaluated them only every 30 s),
    /// and with <paramref name="shortHolds"/> every <c>for:</c> hold cut to 5 s, so that an alert fires within
    /// seconds of its condition instead of minutes (promtool's unit tests cover the real intervals and holds).
    /// </summary>
    public static string WriteEverySecondCopy(string directory, bool shortHolds = false)
    {
        var rules = GroupInterval().Replace(File.ReadAllText(FilePath), "${indent}interval: 1s");
        if (shortHolds)
        {
            rules = ForHold().Replace(rules, "${indent}for: 5s");
        }
        var path = Path.Combine(directory, shortHolds ? "alerts-every-second-short-holds.yml" : "alerts-every-second.yml");
        File.WriteAllText(path, rules);
        return path;
    }

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

    [GeneratedRegex(@"^(?<indent>\s+)interval: \S+$", RegexOptions.Multiline)]
    private static partial Regex GroupInterval();

    [GeneratedRegex(@"^(?<indent>\s+)for: \S+$", RegexOptions.Multiline)]
    private static partial Regex ForHold();
}
