using System.Text.Json;
using System.Text.RegularExpressions;
using MinimalBackend.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MinimalBackend.Tests.Ops;

// ops/grafana/dashboards/minimal-backend.json as Grafana loads it through the provisioning in ops/grafana.
public sealed partial class GrafanaDashboardTests
{
    private const string Selector = "job=\"minimal-backend\", instance=~\"$instance\"";
    private static readonly JsonElement Dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "ops", "grafana", "dashboards", "minimal-backend.json"))).RootElement;
    private static readonly List<JsonElement> Panels = Dashboard.GetProperty("panels").EnumerateArray().ToList();
    private static readonly List<JsonElement> Charts = Panels.Where(p => p.GetProperty("type").GetString() != "row").ToList();

    private static string ProvisionedDatasourceUid
    {
        get
        {
            var file = Yaml.Load(Path.Combine(RepositoryRoot.Path, "ops", "grafana", "provisioning", "datasources", "prometheus.yml"));
            return Yaml.Scalar(((YamlMappingNode)((YamlSequenceNode)file["datasources"]).Single())["uid"]);
        }
    }

    [Fact]
    public void Every_panel_and_query_uses_the_provisioned_datasource()
    {
        var uid = ProvisionedDatasourceUid;

        foreach (var panel in Charts)
        {
            Assert.Equal(uid, panel.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.All(Targets(panel), t => Assert.Equal(uid, t.GetProperty("datasource").GetProperty("uid").GetString()));
        }
        Assert.Equal(uid, Variable("instance").GetProperty("datasource").GetProperty("uid").GetString());
    }

    [Fact]
    public void Every_panel_has_a_title_a_unit_a_description_and_a_query()
    {
        foreach (var panel in Charts)
        {
            var title = panel.GetProperty("title").GetString();
            Assert.False(string.IsNullOrWhiteSpace(title), $"panel {panel.GetProperty("id")} has no title");
            Assert.False(string.IsNullOrWhiteSpace(panel.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("unit").GetString()), $"{title} has no unit");
            Assert.True(panel.GetProperty("description").GetString()?.Length > 20, $"{title} has no description");
            Assert.NotEmpty(Targets(panel));
        }
    }

    [Fact]
    public void Panel_ids_are_unique_and_panels_do_not_overlap()
    {
        Assert.Equal(Panels.Count, Panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        var cells = new HashSet<(int X, int Y)>();
        foreach (var panel in Panels)
        {
            var grid = panel.GetProperty("gridPos");
            var (x, y, w, h) = (grid.GetProperty("x").GetInt32(), grid.GetProperty("y").GetInt32(), grid.GetProperty("w").GetInt32(), grid.GetProperty("h").GetInt32());
            Assert.True(x + w <= 24, $"{panel.GetProperty("title")} is wider than the dashboard");
            foreach (var cell in Enumerable.Range(x, w).SelectMany(cx => Enumerable.Range(y, h).Select(cy => (cx, cy))))
            {
                Assert.True(cells.Add(cell), $"{panel.GetProperty("title")} overlaps another panel at {cell}");
            }
        }
    }

    // The guide's panels, in its order, with its panel types; its queries aggregated where they were flawed.
    [Theory]
    [InlineData("HTTP Request Rate", "timeseries",
        """sum by (method, route, status) (rate(http_requests_total{SEL}[5m]))""")]
    [InlineData("HTTP Request Duration", "timeseries",
        """histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{SEL, status!="101"}[5m])))""",
        """histogram_quantile(0.50, sum by (le) (rate(http_request_duration_seconds_bucket{SEL, status!="101"}[5m])))""")]
    [InlineData("Total Requests", "gauge", """sum(increase(http_requests_total{SEL}[5m]))""")]
    [InlineData("HTTP Status Codes Distribution", "piechart", """sum by (status) (increase(http_requests_total{SEL}[5m]))""")]
    [InlineData("Active WebSocket Connections", "gauge", """sum(websocket_connections_total{SEL, gateway="notifications"})""")]
    [InlineData("Total Queue Jobs", "gauge", """sum by (status) (queue_jobs_total{SEL})""")]
    [InlineData("Error Rate", "timeseries",
        """sum(rate(http_requests_total{SEL, status=~"5.."}[5m])) / sum(rate(http_requests_total{SEL}[5m])) * 100""")]
    [InlineData("Queue Job Processing Rate", "timeseries",
        """sum by (queue) (rate(queue_jobs_completed_total{SEL}[5m]))""",
        """sum by (queue) (rate(queue_jobs_failed_total{SEL}[5m]))""")]
    public void The_guide_s_panel_is_there_with_its_type_and_query(string title, string type, params string[] queries)
    {
        var panel = Assert.Single(Charts, p => p.GetProperty("title").GetString() == title);

        Assert.Equal(type, panel.GetProperty("type").GetString());
        Assert.Equal(queries.Select(q => q.Replace("SEL", Selector, StringComparison.Ordinal)), Targets(panel).Select(t => t.GetProperty("expr").GetString()));
        Assert.True(Panels.IndexOf(panel) < 8, $"{title} should be among the first eight panels, as in the guide");
    }

    [Fact]
    public void The_accounts_deleted_panel_shows_deletions_by_who_deleted()
    {
        var panel = Assert.Single(Charts, p => p.GetProperty("title").GetString() == "Accounts deleted per hour");

        Assert.Equal(["sum by (by) (increase(users_deleted_total{" + Selector + "}[1h]))"], Targets(panel).Select(t => t.GetProperty("expr").GetString()));
        Assert.Equal("{{by}}", Targets(panel).Single().GetProperty("legendFormat").GetString());
    }

    [Fact]
    public void The_queue_processing_rate_is_stacked()
    {
        var panel = Assert.Single(Charts, p => p.GetProperty("title").GetString() == "Queue Job Processing Rate");

        Assert.Equal("normal", panel.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("custom").GetProperty("stacking").GetProperty("mode").GetString());
    }

    [Fact]
    public void Rows_group_the_health_auth_queue_and_runtime_panels()
    {
        var rows = new Dictionary<string, List<string>>();
        var current = "";
        foreach (var panel in Panels)
        {
            if (panel.GetProperty("type").GetString() == "row")
            {
                current = panel.GetProperty("title").GetString()!;
                rows[current] = [];
            }
            else if (current.Length > 0)
            {
                rows[current].Add(panel.GetProperty("title").GetString()!);
            }
        }

        Assert.Equal(["Service health", "Auth", "Queues", ".NET runtime", "Service level objectives"], rows.Keys);
        Assert.Equal(["Instances up", "PostgreSQL ready", "PostgreSQL listener", "Build"], rows["Service health"]);
        Assert.Equal(["Registrations per hour", "Login failure %", "Login attempts", "Email confirmations", "Password resets", "Accounts deleted per hour"], rows["Auth"]);
        Assert.Equal(["Queue backlog", "Job duration p95"], rows["Queues"]);
        Assert.Equal(["CPU", "Working set", "GC heap", "Thread-pool queue length", "GC pause time"], rows[".NET runtime"]);
        Assert.Equal(["Availability error budget left", "Latency error budget left", "Availability burn rate", "Latency burn rate"], rows["Service level objectives"]);
    }

    [Fact]
    public void The_latency_panels_show_exemplars_that_link_to_the_tracing_datasource()
    {
        foreach (var title in new[] { "HTTP Request Duration", "Job duration p95" })
        {
            var panel = Assert.Single(Charts, p => p.GetProperty("title").GetString() == title);
            Assert.All(Targets(panel), t => Assert.True(t.GetProperty("exemplar").GetBoolean(), $"{title} hides its exemplars"));
        }
        var prometheus = (YamlMappingNode)((YamlSequenceNode)Yaml.Load(Path.Combine(RepositoryRoot.Path, "ops", "grafana", "provisioning", "datasources", "prometheus.yml"))["datasources"]).Single();
        var link = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)prometheus["jsonData"])["exemplarTraceIdDestinations"]).Single();
        var tracing = (YamlMappingNode)((YamlSequenceNode)Yaml.Load(Path.Combine(RepositoryRoot.Path, "ops", "grafana", "provisioning", "datasources", "tracing.yml"))["datasources"]).Single();
        Assert.Equal("trace_id", Yaml.Scalar(link["name"]));
        Assert.Equal(Yaml.Scalar(tracing["uid"]), Yaml.Scalar(link["datasourceUid"]));
        Assert.Equal("jaeger", Yaml.Scalar(tracing["type"]));
    }

    [Fact]
    public void The_SLO_panels_read_the_recorded_ratios_and_the_budgets_of_the_alert_rules()
    {
        var recorded = AlertRules.LoadRecordingRules().Select(r => r.Name).ToHashSet();
        var slo = Charts.Where(p => p.GetProperty("title").GetString()!.Contains("budget", StringComparison.Ordinal)
            || p.GetProperty("title").GetString()!.Contains("burn rate", StringComparison.Ordinal)).SelectMany(Targets).Select(t => t.GetProperty("expr").GetString()!).ToList();

        Assert.Equal(7, slo.Count);
        Assert.All(slo, q => Assert.Subset(recorded, PromQl.MetricNames(q).ToHashSet()));
        Assert.All(slo.Where(q => q.Contains("slo:http_errors", StringComparison.Ordinal)), q => Assert.Contains("/ 0.005", q, StringComparison.Ordinal));
        Assert.All(slo.Where(q => q.Contains("slo:http_slow_requests", StringComparison.Ordinal)), q => Assert.Contains("/ 0.01", q, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_selector_names_the_service_job_and_the_instance_variable()
    {
        foreach (var expression in Queries())
        {
            var selectors = Selectors().Matches(expression);
            Assert.NotEmpty(selectors);
            // The SLO ratios are recorded per job, across instances: an objective is the service's, not one instance's.
            Assert.All(selectors, s => Assert.StartsWith(expression.StartsWith("1 - slo:", StringComparison.Ordinal) || expression.StartsWith("slo:", StringComparison.Ordinal)
                ? "{job=\"minimal-backend\"}" : "{" + Selector, s.Value, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Every_query_and_the_variable_parse_with_all_instances_selected()
    {
        var variable = Variable("instance").GetProperty("query").GetProperty("query").GetString()!;
        var selector = LabelValuesSelector().Match(variable);
        Assert.True(selector.Success, variable);

        await PromQl.AssertAllParseAsync([.. Queries().Select(PromQl.WithAllInstances), selector.Groups[1].Value]);
    }

    [Fact]
    public void Every_query_reads_metric_families_the_service_exports_or_its_features_declare()
    {
        var names = Queries().SelectMany(PromQl.MetricNames).ToHashSet();

        Assert.All(names, name => Assert.True(MetricFamilies.IsKnown(name), $"{name} is no metric the service exports"));
        Assert.Superset(MetricFamilies.FromFeatures.Where(n => !n.EndsWith("_sum", StringComparison.Ordinal) && !n.EndsWith("_count", StringComparison.Ordinal)).ToHashSet(), names);
    }

    [Fact]
    public void The_instance_variable_lists_the_scraped_instances_and_offers_all_of_them()
    {
        var variable = Variable("instance");

        Assert.Equal("""label_values(up{job="minimal-backend"}, instance)""", variable.GetProperty("query").GetProperty("query").GetString());
        Assert.True(variable.GetProperty("includeAll").GetBoolean());
        Assert.True(variable.GetProperty("multi").GetBoolean());
        Assert.Equal(".*", variable.GetProperty("allValue").GetString());
    }

    [Fact]
    public void It_is_MinimalBackend_s_dashboard_refreshing_every_10_s_over_the_last_hour_in_the_dark_theme()
    {
        Assert.Equal("MinimalBackend", Dashboard.GetProperty("title").GetString());
        Assert.Equal("minimal-backend", Dashboard.GetProperty("uid").GetString());
        Assert.Equal("10s", Dashboard.GetProperty("refresh").GetString());
        Assert.Equal("now-1h", Dashboard.GetProperty("time").GetProperty("from").GetString());
        Assert.Equal("now", Dashboard.GetProperty("time").GetProperty("to").GetString());
        Assert.Equal("dark", Dashboard.GetProperty("style").GetString());
    }

    /// <summary>Every query of every panel, as written (with <c>$instance</c>).</summary>
    public static IEnumerable<string> Queries() => Charts.SelectMany(Targets).Select(t => t.GetProperty("expr").GetString()!);

    private static List<JsonElement> Targets(JsonElement panel) => panel.GetProperty("targets").EnumerateArray().ToList();

    private static JsonElement Variable(string name) =>
        Dashboard.GetProperty("templating").GetProperty("list").EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Selectors();

    [GeneratedRegex(@"^label_values\((.+), instance\)$")]
    private static partial Regex LabelValuesSelector();
}
