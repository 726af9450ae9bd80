using YamlDotNet.RepresentationModel;

namespace MinimalBackend.Tests.Support;

/// <summary>Reads the repository's YAML files (compose, Prometheus, Alertmanager, Grafana) as node trees.</summary>
public static class Yaml
{
    public static YamlMappingNode Load(string path)
    {
        using var reader = new StreamReader(path);
        return Parse(reader);
    }

    public static YamlMappingNode Parse(TextReader reader)
    {
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value ?? "";

    public static List<string> Sequence(YamlNode node) => ((YamlSequenceNode)node).Children.Select(Scalar).ToList();
}
