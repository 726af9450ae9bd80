using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Ops;

/// <summary>
/// The PromQL of the dashboard, the alerts and the docs, checked without a server: promtool parses and
/// type-checks each query as the expression of a recording rule, and the metric names are read out so
/// they can be held against the families the service exports.
/// </summary>
public static partial class PromQl
{
    private static readonly HashSet<string> Keywords = ["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"];

    /// <summary>Dashboard queries with Grafana's variable set to "All", as Grafana sends them.</summary>
    public static string WithAllInstances(string expression) => expression.Replace("$instance", ".*", StringComparison.Ordinal);

    /// <summary>Fails, naming each query promtool rejects, unless every query parses.</summary>
    public static async Task AssertAllParseAsync(IReadOnlyList<string> queries)
    {
        Assert.NotEmpty(queries);
        var rules = new StringBuilder("groups:\n  - name: queries\n    rules:\n");
        for (var i = 0; i < queries.Count; i++)
        {
            var literal = queries[i].Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
            rules.Append(CultureInfo.InvariantCulture, $"      - record: query_{i}\n        expr: \"{literal}\"\n");
        }
        var file = Path.Combine(Path.GetTempPath(), $"minimal-backend-queries-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, rules.ToString());
        try
        {
            var result = await ProcessRunner.RunAsync(Promtool.Path, ["check", "rules", file]);
            var rejected = QueryIndex().Matches(result.Output).Select(m => queries[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)]).Distinct().ToList();
            Assert.True(result.ExitCode == 0, $"promtool rejects:\n{string.Join('\n', rejected)}\n\n{result.Output}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The metric names a query selects (not functions, label names, keywords or numbers).</summary>
    public static IReadOnlySet<string> MetricNames(string expression)
    {
        var bare = StringLiteral().Replace(expression, "");
        bare = Matchers().Replace(bare, "");
        bare = Grouping().Replace(bare, "");
        bare = Range().Replace(bare, "");
        return Identifier().Matches(bare).Where(m => !m.Groups["call"].Success).Select(m => m.Groups["name"].Value)
            .Where(name => !Keywords.Contains(name.ToLowerInvariant())).ToHashSet();
    }

    [GeneratedRegex("""query_(\d+)""")]
    private static partial Regex QueryIndex();

    [GeneratedRegex(@"""(\\.|[^""\\])*""|'(\\.|[^'\\])*'")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Range();

    [GeneratedRegex(@"(?<![\w.])(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();
}

/// <summary>The metric families the alerts, the dashboard and the docs may use, and where each comes from.</summary>
public static class MetricFamilies
{
    /// <summary>Exported by the service (foundation, readiness, auth, jobs, real-time notifications).</summary>
    public static readonly IReadOnlySet<string> Exported = new HashSet<string>
    {
        "http_requests_total", "http_request_duration_seconds_bucket", "http_request_duration_seconds_sum", "http_request_duration_seconds_count",
        "process_cpu_seconds_total", "process_working_set_bytes", "dotnet_gc_heap_size_bytes", "dotnet_total_memory_bytes",
        "dotnet_thread_pool_queue_length", "dotnet_gc_pause_seconds_total", "readiness_check_status", "postgres_listener_connected",
        "users_registered_total", "login_attempts_total", "email_confirmations_total", "password_resets_total", "users_deleted_total",
        "queue_jobs_total", "queue_jobs_completed_total", "queue_jobs_failed_total", "queue_jobs_waiting",
        "queue_job_duration_seconds_bucket", "queue_job_duration_seconds_sum", "queue_job_duration_seconds_count",
        "websocket_connections_total", "minimal_backend_build_info",
    };

    /// <summary>Recorded by ops/prometheus/alerts.yml (the SLO ratios): known once Prometheus evaluates the rules.</summary>
    public static readonly IReadOnlySet<string> Recorded = AlertRules.LoadRecordingRules().Select(r => r.Name).ToHashSet();

    /// <summary>Declared by features that are not merged yet: none now.</summary>
    public static readonly IReadOnlySet<string> FromFeatures = new HashSet<string>();

    public static bool IsKnown(string name) => name == "up" || Exported.Contains(name) || FromFeatures.Contains(name) || Recorded.Contains(name);
}
