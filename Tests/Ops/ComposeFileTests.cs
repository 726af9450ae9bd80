using System.Diagnostics;
using System.Text.RegularExpressions;
using MinimalBackend.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MinimalBackend.Tests.Ops;

// No Docker engine runs here, so compose.yaml is checked the way `docker compose config` would start:
// it parses, names the right images and ports, everything it builds from or mounts exists, and the
// monitoring services' files agree with it (targets, mount points, the datasource's address).
public sealed partial class ComposeFileTests
{
    private static readonly YamlMappingNode Compose = Yaml.Load(Path.Combine(RepositoryRoot.Path, "compose.yaml"));
    private static readonly string[] MonitoringServices = ["prometheus", "grafana", "alertmanager"];
    private static YamlMappingNode Services => (YamlMappingNode)Compose["services"];

    [Fact]
    public void The_app_is_built_from_a_multi_stage_Dockerfile_that_exists()
    {
        var build = (YamlMappingNode)Service("app")["build"];
        var context = Path.Combine(RepositoryRoot.Path, Scalar(build["context"]));
        var dockerfile = Path.Combine(context, Scalar(build["dockerfile"]));

        Assert.True(File.Exists(dockerfile), $"{dockerfile} is missing");
        var lines = File.ReadAllLines(dockerfile);
        Assert.True(lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)) >= 2, "the Dockerfile should build in one stage and run in another");
        foreach (var source in lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal))
                     .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]))
        {
            Assert.True(File.Exists(Path.Combine(context, source)) || Directory.Exists(Path.Combine(context, source)), $"the Dockerfile copies {source}, which does not exist");
        }
    }

    [Fact]
    public void The_image_runs_with_the_runtime_settings_that_ops_run_sets()
    {
        var dockerfile = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "Dockerfile"));
        var settings = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "ops", "lib", "runtime-settings.sh"))
            .Select(line => RuntimeSetting().Match(line))
            .Where(match => match.Success)
            .Select(match => (Name: match.Groups["name"].Value, Value: match.Groups["value"].Value))
            .ToList();

        Assert.Contains(settings, setting => setting == ("DOTNET_GCgen0size", "0x400000"));
        foreach (var (name, value) in settings)
        {
            Assert.Matches($@"\b{name}={Regex.Escape(value)}(\s|$)", dockerfile);
        }
        Assert.Contains(". ops/lib/runtime-settings.sh", File.ReadAllText(Path.Combine(RepositoryRoot.Path, "ops", "run")), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^export (?<name>\w+)=\$\{\k<name>:-(?<value>[^}]+)\}$")]
    private static partial Regex RuntimeSetting();

    [Fact]
    public void The_app_answers_on_port_3000_and_waits_for_a_healthy_postgres()
    {
        var app = Service("app");

        Assert.Contains("127.0.0.1:3000:3000", Sequence(app["ports"]));
        Assert.Equal("service_healthy", Scalar(((YamlMappingNode)((YamlMappingNode)app["depends_on"])["postgres"])["condition"]));
        Assert.Contains("/health/ready", string.Join(' ', Sequence(((YamlMappingNode)app["healthcheck"])["test"])), StringComparison.Ordinal);
        var connection = Scalar(((YamlMappingNode)app["environment"])["ConnectionStrings__Postgres"]);
        Assert.Contains("Host=postgres", connection, StringComparison.Ordinal);
    }

    [Fact]
    public void The_app_takes_its_signing_key_from_a_required_variable_and_none_is_committed()
    {
        var key = Scalar(((YamlMappingNode)Service("app")["environment"])["Jwt__SigningKey"]);

        Assert.StartsWith("${JWT_SIGNING_KEY:?", key, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_15_keeps_its_data_in_a_named_volume_and_has_a_health_check()
    {
        var postgres = Service("postgres");

        Assert.StartsWith("postgres:15", Scalar(postgres["image"]), StringComparison.Ordinal);
        Assert.Contains("postgres-data:/var/lib/postgresql/data", Sequence(postgres["volumes"]));
        Assert.True(((YamlMappingNode)Compose["volumes"]).Children.ContainsKey(new YamlScalarNode("postgres-data")));
        Assert.Contains("pg_isready", string.Join(' ', Sequence(((YamlMappingNode)postgres["healthcheck"])["test"])), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_file_a_service_mounts_exists()
    {
        var named = ((YamlMappingNode)Compose["volumes"]).Children.Keys.Select(Scalar).ToHashSet();
        foreach (var (service, node) in Services.Children.Select(c => (Scalar(c.Key), (YamlMappingNode)c.Value)))
        {
            if (!node.Children.TryGetValue(new YamlScalarNode("volumes"), out var volumes))
            {
                continue;
            }
            foreach (var source in Sequence(volumes).Select(v => v.Split(':')[0]))
            {
                if (named.Contains(source))
                {
                    continue;
                }
                var path = Path.Combine(RepositoryRoot.Path, source);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{service} mounts {source}, which does not exist");
            }
        }
    }

    [Fact]
    public void Every_variable_it_reads_has_a_default_or_is_required_with_a_message()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "compose.yaml"));

        foreach (Match variable in Variable().Matches(text))
        {
            Assert.True(variable.Value.Contains(":-", StringComparison.Ordinal) || variable.Value.Contains(":?", StringComparison.Ordinal),
                $"{variable.Value} has neither a default (:-) nor a message (:?)");
        }
    }

    [Theory]
    [InlineData("prometheus", "127.0.0.1:9090:9090")]
    [InlineData("grafana", "127.0.0.1:3001:3000")]
    [InlineData("alertmanager", "127.0.0.1:9093:9093")]
    public void Each_monitoring_service_publishes_its_port_on_127_0_0_1_only(string service, string port)
    {
        Assert.Equal([port], Sequence(Service(service)["ports"]));
    }

    [Fact]
    public void Every_image_is_pinned_to_a_version()
    {
        foreach (var (name, service) in Services.Children.Select(c => (Scalar(c.Key), (YamlMappingNode)c.Value)))
        {
            if (!service.Children.ContainsKey("image"))
            {
                continue;
            }
            var image = Scalar(service["image"]);
            var tag = image.Contains(':', StringComparison.Ordinal) ? image[(image.LastIndexOf(':') + 1)..] : "";
            Assert.True(tag.Length > 0 && tag != "latest" && char.IsAsciiDigit(tag.TrimStart('v')[0]), $"{name} runs {image}: pin a version");
        }
    }

    [Fact]
    public void Each_monitoring_service_has_a_health_check_and_keeps_its_data_in_a_named_volume()
    {
        var named = ((YamlMappingNode)Compose["volumes"]).Children.Keys.Select(Scalar).ToHashSet();
        foreach (var service in MonitoringServices)
        {
            var check = string.Join(' ', Sequence(((YamlMappingNode)Service(service)["healthcheck"])["test"]));
            Assert.Matches(@"wget -q -O /dev/null http://127\.0\.0\.1:\d+/(-/ready|api/health)$", check);
            Assert.Contains(Sequence(Service(service)["volumes"]), v => named.Contains(v.Split(':')[0]) && !v.EndsWith(":ro", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Configuration_and_provisioning_are_mounted_read_only()
    {
        foreach (var service in MonitoringServices)
        {
            foreach (var source in Sequence(Service(service)["volumes"]).Select(v => v.Split(':')[0]).Where(s => s.StartsWith("./ops/", StringComparison.Ordinal)))
            {
                Assert.True(Mount(service, source).ReadOnly, $"{service} mounts {source} writable");
            }
        }
    }

    [Fact]
    public void Prometheus_reads_the_repository_config_and_keeps_15_days_unless_told_otherwise()
    {
        var command = Sequence(Service("prometheus")["command"]);

        Assert.Equal("/etc/prometheus", Mount("prometheus", "./ops/prometheus").Target);
        Assert.Contains("--config.file=/etc/prometheus/prometheus.yml", command);
        Assert.Contains("--storage.tsdb.retention.time=${PROMETHEUS_RETENTION:-15d}", command);
    }

    [Fact]
    public void Prometheus_targets_name_services_and_ports_of_this_file()
    {
        var config = Yaml.Load(Path.Combine(RepositoryRoot.Path, "ops", "prometheus", "prometheus.yml"));
        var targets = config.AllNodes.OfType<YamlMappingNode>()
            .Where(n => n.Children.ContainsKey("targets"))
            .SelectMany(n => Sequence(n["targets"]))
            .ToList();

        Assert.Equal(["alertmanager:9093", "app:3000"], targets.Order());
        foreach (var target in targets)
        {
            var (service, port) = (target.Split(':')[0], target.Split(':')[1]);
            Assert.Contains(Sequence(Service(service)["ports"]), p => p.EndsWith($":{port}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Grafana_provisions_the_datasource_and_dashboards_from_where_they_are_mounted()
    {
        var provisioning = Path.Combine(RepositoryRoot.Path, "ops", "grafana", "provisioning");
        var datasource = (YamlMappingNode)((YamlSequenceNode)Yaml.Load(Path.Combine(provisioning, "datasources", "prometheus.yml"))["datasources"]).Single();
        var provider = (YamlMappingNode)((YamlSequenceNode)Yaml.Load(Path.Combine(provisioning, "dashboards", "minimal-backend.yml"))["providers"]).Single();

        Assert.Equal("/etc/grafana/provisioning", Mount("grafana", "./ops/grafana/provisioning").Target);
        Assert.Equal(Mount("grafana", "./ops/grafana/dashboards").Target, Scalar(((YamlMappingNode)provider["options"])["path"]));
        Assert.Equal("http://prometheus:9090", Scalar(datasource["url"]));
        var environment = (YamlMappingNode)Service("grafana")["environment"];
        Assert.Equal("/etc/grafana/dashboards/minimal-backend.json", Scalar(environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]));
        Assert.Equal("dark", Scalar(environment["GF_USERS_DEFAULT_THEME"]));
    }

    [Fact]
    public void The_Grafana_admin_password_must_come_from_the_environment()
    {
        var password = Scalar(((YamlMappingNode)Service("grafana")["environment"])["GF_SECURITY_ADMIN_PASSWORD"]);

        Assert.Matches(@"^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$", password);
    }

    // The container's shell line, run here with the image's paths pointed at the repository and the Debian
    // alertmanager: it renders the mounted config with the webhook URL from the environment and starts.
    [Fact]
    public async Task The_Alertmanager_command_renders_the_mounted_config_and_starts_Alertmanager()
    {
        var service = Service("alertmanager");
        Assert.Equal("/etc/alertmanager", Mount("alertmanager", "./ops/alertmanager").Target);
        Assert.Equal(["/bin/sh", "-c"], Sequence(service["entrypoint"]));
        var line = Assert.Single(Sequence(service["command"]));
        var webhook = Scalar(((YamlMappingNode)service["environment"])["ALERTMANAGER_WEBHOOK_URL"]);
        Assert.StartsWith("${ALERTMANAGER_WEBHOOK_URL:-", webhook, StringComparison.Ordinal);

        var directory = Directory.CreateTempSubdirectory("minimal-backend-compose-alertmanager-").FullName;
        try
        {
            var port = LocalNetwork.FreePort();
            var local = line
                .Replace("/etc/alertmanager/", Path.Combine(RepositoryRoot.Path, "ops", "alertmanager") + "/", StringComparison.Ordinal)
                .Replace("/tmp/alertmanager.yml", Path.Combine(directory, "alertmanager.yml"), StringComparison.Ordinal)
                .Replace("exec /bin/alertmanager", "exec " + AlertmanagerTools.Alertmanager, StringComparison.Ordinal)
                .Replace("--storage.path=/alertmanager", "--storage.path=" + Path.Combine(directory, "data"), StringComparison.Ordinal)
                + $" --web.listen-address=127.0.0.1:{port}";
            var start = new ProcessStartInfo("sh", ["-c", local]);
            start.Environment["ALERTMANAGER_WEBHOOK_URL"] = "http://127.0.0.1:9/alerts";

            await using var alertmanager = await AlertmanagerProcess.StartAsync(start, port);

            Assert.Contains("url: 'http://127.0.0.1:9/alerts'", await File.ReadAllTextAsync(Path.Combine(directory, "alertmanager.yml")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    private static string Scalar(YamlNode node) => Yaml.Scalar(node);

    private static List<string> Sequence(YamlNode node) => Yaml.Sequence(node);

    /// <summary>The container path a service mounts <paramref name="source"/> at, read-only or not.</summary>
    private static (string Target, bool ReadOnly) Mount(string service, string source)
    {
        var volume = Sequence(Service(service)["volumes"]).Single(v => v.Split(':')[0] == source);
        var parts = volume.Split(':');
        return (parts[1], parts.Length > 2 && parts[2] == "ro");
    }

    [GeneratedRegex(@"\$\{[^}]+\}")]
    private static partial Regex Variable();
}
