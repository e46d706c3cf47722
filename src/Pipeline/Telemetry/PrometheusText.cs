using System.Globalization;
using System.Text;

namespace HeartStream.Pipeline.Telemetry;

/// <summary>Pieces of the Prometheus text exposition format 0.0.4: names, escaping, numbers.</summary>
internal static class PrometheusText
{
    /// <summary>Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; anything else becomes '_'.</summary>
    public static string SanitizeMetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>Label names: [a-zA-Z_][a-zA-Z0-9_]*; anything else becomes '_'.</summary>
    public static string SanitizeLabelName(string name) => Sanitize(name, allowColon: false);

    public static string EscapeHelp(string help) =>
        help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);

    public static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString(CultureInfo.InvariantCulture);

    public static void WriteHeader(TextWriter writer, string name, string help, string type)
    {
        writer.Write("# HELP ");
        writer.Write(name);
        writer.Write(' ');
        writer.Write(EscapeHelp(help));
        writer.Write('\n');
        writer.Write("# TYPE ");
        writer.Write(name);
        writer.Write(' ');
        writer.Write(type);
        writer.Write('\n');
    }

    /// <summary>Writes <c>name{labels,extra} value</c>; <paramref name="renderedLabels"/> is already escaped.</summary>
    public static void WriteSample(TextWriter writer, string name, string renderedLabels, string? extraLabel, double value)
    {
        writer.Write(name);
        if (renderedLabels.Length > 0 || extraLabel is not null)
        {
            writer.Write('{');
            writer.Write(renderedLabels);
            if (extraLabel is not null)
            {
                if (renderedLabels.Length > 0)
                {
                    writer.Write(',');
                }

                writer.Write(extraLabel);
            }

            writer.Write('}');
        }

        writer.Write(' ');
        writer.Write(FormatValue(value));
        writer.Write('\n');
    }

    private static string Sanitize(string name, bool allowColon)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var builder = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            builder.Append('_');
        }

        foreach (char c in name)
        {
            bool ok = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            builder.Append(ok ? c : '_');
        }

        return builder.ToString();
    }
}
