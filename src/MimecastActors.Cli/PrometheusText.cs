using System.Globalization;
using System.Text.RegularExpressions;

namespace MimecastActors.Cli;

/// <summary>One sample of a Prometheus text scrape: name, labels, value.</summary>
internal sealed record MetricSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string? Tenant => Labels.GetValueOrDefault("tenant");
}

/// <summary>
/// A reader of the Prometheus text format (0.0.4) for the summary. Lenient on purpose: a line it does not understand is
/// skipped, so a node exporting something new does not break the CLI.
/// </summary>
internal static partial class PrometheusText
{
    public static IReadOnlyList<MetricSample> Parse(string text)
    {
        var samples = new List<MetricSample>();
        foreach (var line in text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var match = Sample().Match(line);
            if (!match.Success || !TryValue(match.Groups["value"].Value, out var value))
            {
                continue;
            }

            var labels = Label().Matches(match.Groups["labels"].Value)
                .ToDictionary(m => m.Groups["key"].Value, m => Unescape(m.Groups["value"].Value), StringComparer.Ordinal);
            samples.Add(new MetricSample(match.Groups["name"].Value, labels, value));
        }

        return samples;
    }

    private static bool TryValue(string text, out double value)
    {
        value = text switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : double.NaN,
        };
        return !double.IsNaN(value) || text == "NaN";
    }

    private static string Unescape(string value) => value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+-?\d+)?$""")]
    private static partial Regex Sample();

    [GeneratedRegex("""(?<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(\\.|[^"\\])*)",?""")]
    private static partial Regex Label();
}
