using System.Text.RegularExpressions;
using MinimalBackend.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MinimalBackend.Tests.Ops;

// No Docker engine runs here, so compose.yaml is checked the way `docker compose config` would start:
// it parses, names the right images and ports, and everything it builds from or mounts exists.
public sealed partial class ComposeFileTests
{
    private static readonly YamlMappingNode Compose = Load();
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

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    private static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value ?? "";

    private static List<string> Sequence(YamlNode node) => ((YamlSequenceNode)node).Children.Select(Scalar).ToList();

    private static YamlMappingNode Load()
    {
        using var reader = new StreamReader(Path.Combine(RepositoryRoot.Path, "compose.yaml"));
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    [GeneratedRegex(@"\$\{[^}]+\}")]
    private static partial Regex Variable();
}
