using System.Globalization;
using System.Text.RegularExpressions;

namespace MinimalBackend.Tests.Support;

public sealed record MetricSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool Has(string label, string value) => Labels.TryGetValue(label, out var v) && v == value;
}

/// <summary>Reads the Prometheus text format the way a scraper does: one sample per non-comment line.</summary>
public static partial class MetricsText
{
    public static IReadOnlyList<MetricSample> Parse(string text) =>
        text.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(ParseLine)
            .ToList();

    public static async Task<IReadOnlyList<MetricSample>> ScrapeAsync(HttpClient client)
    {
        var text = await client.GetStringAsync("/metrics");
        return Parse(text);
    }

    /// <summary>The value of the one sample with this name and these labels, or 0 when it is not exported yet.</summary>
    public static double Value(this IEnumerable<MetricSample> samples, string name, params (string Label, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Has(l.Label, l.Value))).Sum(s => s.Value);

    private static MetricSample ParseLine(string line)
    {
        var match = SampleLine().Match(line);
        if (!match.Success)
        {
            throw new FormatException($"Not a Prometheus sample line: {line}");
        }
        var labels = LabelPair().Matches(match.Groups["labels"].Value)
            .ToDictionary(m => m.Groups["name"].Value, m => Regex.Unescape(m.Groups["value"].Value), StringComparer.Ordinal);
        return new MetricSample(match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(""""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(\\.|[^"\\])*)"""")]
    private static partial Regex LabelPair();
}
