using System.Text.RegularExpressions;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Ops;

// docs/monitoring.md: its queries parse and read real metric families, its Prometheus configs pass promtool,
// its links and the alerts' runbook annotations land on its sections, and it keeps the guide's chapters.
public sealed partial class MonitoringDocsTests : IDisposable
{
    private static readonly string Markdown = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "monitoring.md"));
    private readonly string _directory = Directory.CreateTempSubdirectory("minimal-backend-docs-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Each non-comment line of each promql block: the examples a reader pastes into Prometheus.</summary>
    public static IReadOnlyList<string> PromQlExamples() =>
        Blocks("promql").SelectMany(block => block.Split('\n'))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .ToList();

    [Fact]
    public async Task Every_PromQL_example_parses()
    {
        await PromQl.AssertAllParseAsync(PromQlExamples());
    }

    [Fact]
    public void Every_PromQL_example_reads_metric_families_the_service_exports_or_its_features_declare()
    {
        var names = PromQlExamples().SelectMany(PromQl.MetricNames).ToHashSet();

        Assert.All(names, name => Assert.True(MetricFamilies.IsKnown(name), $"{name} is no metric the service exports"));
        Assert.Contains("queue_jobs_waiting", names);
    }

    [Fact]
    public async Task Every_Prometheus_config_it_shows_passes_promtool_check_config()
    {
        var configs = Blocks("yaml").Where(b => b.Contains("scrape_configs:", StringComparison.Ordinal)).ToList();

        Assert.True(configs.Count >= 2, "the docs should show the scrape config of each way to secure /metrics");
        foreach (var config in configs)
        {
            var file = Path.Combine(_directory, "prometheus.yml");
            await File.WriteAllTextAsync(file, config);
            var result = await ProcessRunner.RunAsync(Promtool.Path, ["check", "config", file]);
            Assert.True(result.ExitCode == 0, $"{config}\n{result.Output}");
        }
    }

    [Fact]
    public void Every_link_within_the_page_lands_on_a_section()
    {
        var anchors = Anchors();

        foreach (Match link in InternalLink().Matches(Markdown))
        {
            Assert.Contains(link.Groups[1].Value, anchors);
        }
    }

    [Fact]
    public void Every_alert_has_a_severity_a_summary_a_description_and_its_runbook_in_this_guide()
    {
        var anchors = Anchors();

        foreach (var alert in AlertRules.Load())
        {
            Assert.True(alert.Severity is "critical" or "warning", $"{alert.Name} has severity '{alert.Severity}'");
            Assert.False(string.IsNullOrWhiteSpace(alert.Annotations.GetValueOrDefault("summary")), $"{alert.Name} has no summary");
            Assert.False(string.IsNullOrWhiteSpace(alert.Annotations.GetValueOrDefault("description")), $"{alert.Name} has no description");
            var runbook = alert.Annotations.GetValueOrDefault("runbook") ?? "";
            Assert.StartsWith("docs/monitoring.md#", runbook, StringComparison.Ordinal);
            var anchor = runbook["docs/monitoring.md#".Length..];
            Assert.Contains(anchor, anchors);
            Assert.Equal(anchor, Slug(alert.Name));
        }
    }

    [Fact]
    public void The_alert_table_lists_every_rule_with_its_severity()
    {
        foreach (var alert in AlertRules.Load())
        {
            Assert.Contains($"| {alert.Name} | {alert.Severity} |", Markdown, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void It_keeps_the_chapters_of_the_guide_it_replaces()
    {
        var chapters = Headings().Where(h => h.Level == 2).Select(h => h.Text).ToList();

        Assert.Equal(["Contents", "Overview", "Getting started", "Access", "Metrics", "Dashboard", "Adding a custom metric", "Alerting", "Troubleshooting", "Production notes", "References"], chapters);
        Assert.Equal(["1. Data retention", "2. Securing /metrics", "3. Cardinality and performance", "4. High availability"],
            Headings().SkipWhile(h => h.Text != "Production notes").Skip(1).TakeWhile(h => h.Level > 2).Where(h => h.Level == 3).Select(h => h.Text));
    }

    [Theory]
    [InlineData("""rate(http_requests_total{status=~"5.."}[5m]) / rate(http_requests_total[5m]) * 100""",
        """sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) * 100""")]
    [InlineData("""histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m]))""",
        """histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))""")]
    public void It_shows_the_guide_s_flawed_query_and_the_corrected_one_as_examples(string guide, string corrected)
    {
        var examples = PromQlExamples();

        Assert.Contains(guide, examples);
        Assert.Contains(corrected, examples);
    }

    private static IEnumerable<string> Blocks(string language) =>
        FencedBlock().Matches(Markdown).Where(m => m.Groups["language"].Value == language).Select(m => m.Groups["body"].Value);

    private static List<(int Level, string Text)> Headings()
    {
        var withoutCode = FencedBlock().Replace(Markdown, "");
        return Heading().Matches(withoutCode).Select(m => (m.Groups[1].Value.Length, m.Groups[2].Value.Trim())).ToList();
    }

    private static HashSet<string> Anchors() => Headings().Select(h => Slug(h.Text)).ToHashSet();

    /// <summary>GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.</summary>
    private static string Slug(string heading) => SlugDropped().Replace(heading.ToLowerInvariant(), "").Replace(' ', '-');

    [GeneratedRegex(@"^```(?<language>\w*)\n(?<body>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"^(#{1,6}) (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"\]\(#([^)]+)\)")]
    private static partial Regex InternalLink();

    [GeneratedRegex(@"[^a-z0-9 _-]")]
    private static partial Regex SlugDropped();
}
