using MinimalBackend.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MinimalBackend.Tests.Ops;

// ops/prometheus: the compose configuration, the one ops/run writes (ops/lib/prometheus.sh), and the alert
// rules both load, checked by the real promtool.
[RunsLong]
public sealed class PrometheusConfigTests : IDisposable
{
    private static readonly string PrometheusDirectory = Path.Combine(RepositoryRoot.Path, "ops", "prometheus");
    private static readonly string Library = Path.Combine(RepositoryRoot.Path, "ops", "lib", "prometheus.sh");
    private readonly string _directory = Directory.CreateTempSubdirectory("minimal-backend-prometheus-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_compose_config_passes_promtool_check_config()
    {
        var output = await PromtoolPassesAsync("check", "config", Path.Combine(PrometheusDirectory, "prometheus.yml"));

        Assert.Contains("1 rule files found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_compose_config_scrapes_the_app_service_and_alerts_the_alertmanager_service()
    {
        var config = Yaml.Load(Path.Combine(PrometheusDirectory, "prometheus.yml"));

        Assert.Equal(["app:3000"], Targets(ScrapeJob(config)));
        var alertmanagers = (YamlSequenceNode)((YamlMappingNode)config["alerting"])["alertmanagers"];
        Assert.Equal(["alertmanager:9093"], Targets((YamlMappingNode)alertmanagers[0]));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("prometheus", "a secret with spaces")]
    public async Task The_config_ops_run_writes_passes_promtool_check_config(string username, string password)
    {
        var config = await WriteLocalConfigAsync("127.0.0.1:3000", username, password);

        var output = await PromtoolPassesAsync("check", "config", config);

        Assert.Contains("1 rule files found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_an_Alertmanager_running_the_local_config_sends_it_the_alerts_and_passes_promtool_check_config()
    {
        await ProcessRunner.RunCheckedAsync("bash", "-c", """. "$1" && PROM_DIR="$2" AM_PID=1 AM_PORT=19093 prom_write_config "$3" "$4" """, "_",
            Library, _directory, "127.0.0.1:3000", Path.Combine(PrometheusDirectory, "alerts.yml"));
        var path = Path.Combine(_directory, "prometheus.yml");

        await PromtoolPassesAsync("check", "config", path);
        var alertmanagers = (YamlSequenceNode)((YamlMappingNode)Yaml.Load(path)["alerting"])["alertmanagers"];
        Assert.Equal(["127.0.0.1:19093"], Targets((YamlMappingNode)alertmanagers[0]));
    }

    [Fact]
    public async Task Without_an_Alertmanager_the_local_config_has_no_alerting_section()
    {
        var config = Yaml.Load(await WriteLocalConfigAsync("127.0.0.1:3000", "", ""));

        Assert.False(config.Children.ContainsKey("alerting"));
    }

    [Fact]
    public async Task With_credentials_the_local_config_scrapes_with_basic_auth_from_a_file_only_its_owner_reads()
    {
        var config = Yaml.Load(await WriteLocalConfigAsync("127.0.0.1:9464", "prometheus", "s3cret"));

        var job = ScrapeJob(config);
        Assert.Equal(["127.0.0.1:9464"], Targets(job));
        var auth = (YamlMappingNode)job["basic_auth"];
        Assert.Equal("prometheus", Yaml.Scalar(auth["username"]));
        var passwordFile = Yaml.Scalar(auth["password_file"]);
        Assert.Equal("s3cret", await File.ReadAllTextAsync(passwordFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
    }

    [Fact]
    public async Task Both_configs_scrape_the_same_job_every_10_s_with_the_same_rules()
    {
        var compose = Yaml.Load(Path.Combine(PrometheusDirectory, "prometheus.yml"));
        var local = Yaml.Load(await WriteLocalConfigAsync("127.0.0.1:3000", "", ""));

        foreach (var config in new[] { compose, local })
        {
            var global = (YamlMappingNode)config["global"];
            Assert.Equal("10s", Yaml.Scalar(global["scrape_interval"]));
            Assert.Equal("30s", Yaml.Scalar(global["evaluation_interval"]));
            Assert.Equal("/metrics", Yaml.Scalar(ScrapeJob(config)["metrics_path"]));
            var rules = Yaml.Scalar(((YamlSequenceNode)config["rule_files"]).Single());
            Assert.Equal(Path.Combine(PrometheusDirectory, "alerts.yml"), Path.GetFullPath(rules, PrometheusDirectory));
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:3000", "", "127.0.0.1:3000")]
    [InlineData("http://0.0.0.0:8080", "", "127.0.0.1:8080")]
    [InlineData("http://*:5000;https://*:5001", "", "127.0.0.1:5000")]
    [InlineData("http://localhost:4000/", "", "127.0.0.1:4000")]
    [InlineData("http://10.1.2.3", "", "10.1.2.3:80")]
    [InlineData("http://127.0.0.1:3000", "9464", "127.0.0.1:9464")]
    public async Task Ops_run_scrapes_the_metrics_port_or_else_the_first_address_the_service_listens_on(string urls, string metricsPort, string target)
    {
        var output = await ProcessRunner.RunCheckedAsync("bash", "-c", """. "$1" && prom_scrape_target "$2" "$3" """, "_", Library, urls, metricsPort);

        Assert.Equal(target, output.Trim());
    }

    [Fact]
    public async Task The_alert_rules_pass_promtool_check_rules()
    {
        var output = await PromtoolPassesAsync("check", "rules", Path.Combine(PrometheusDirectory, "alerts.yml"));

        Assert.Contains($"{AlertRules.Load().Count + AlertRules.LoadRecordingRules().Count} rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_alert_rules_pass_their_unit_tests()
    {
        var output = await PromtoolPassesAsync("test", "rules", Path.Combine(PrometheusDirectory, "alerts.test.yml"));

        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_alert_has_a_unit_test_that_fires_it()
    {
        var tests = (YamlSequenceNode)Yaml.Load(Path.Combine(PrometheusDirectory, "alerts.test.yml"))["tests"];
        var fired = tests.Children.Cast<YamlMappingNode>()
            .Where(t => t.Children.ContainsKey("alert_rule_test"))
            .SelectMany(t => ((YamlSequenceNode)t["alert_rule_test"]).Children.Cast<YamlMappingNode>())
            .Where(check => ((YamlSequenceNode)check["exp_alerts"]).Children.Count > 0)
            .Select(check => Yaml.Scalar(check["alertname"]))
            .ToHashSet();

        Assert.Equal(AlertRules.Load().Select(a => a.Name).ToHashSet(), fired);
    }

    private static async Task<string> PromtoolPassesAsync(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(Promtool.Path, arguments);
        Assert.True(result.ExitCode == 0, $"promtool {string.Join(' ', arguments)}:\n{result.Output}");
        return result.Output;
    }

    private async Task<string> WriteLocalConfigAsync(string target, string username, string password)
    {
        await ProcessRunner.RunCheckedAsync("bash", "-c", """. "$1" && PROM_DIR="$2" prom_write_config "$3" "$4" "$5" "$6" """, "_",
            Library, _directory, target, Path.Combine(PrometheusDirectory, "alerts.yml"), username, password);
        return Path.Combine(_directory, "prometheus.yml");
    }

    private static YamlMappingNode ScrapeJob(YamlMappingNode config)
    {
        var job = (YamlMappingNode)((YamlSequenceNode)config["scrape_configs"]).Single();
        Assert.Equal("minimal-backend", Yaml.Scalar(job["job_name"]));
        return job;
    }

    private static List<string> Targets(YamlMappingNode withStaticConfigs) =>
        ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)withStaticConfigs["static_configs"]).Single())["targets"]).Children.Select(Yaml.Scalar).ToList();
}
