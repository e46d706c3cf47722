using System.Text.RegularExpressions;

namespace HeartStream.IntegrationTests.Dashboards;

/// <summary>
/// Pulls the metric names out of a PromQL expression without a PromQL parser: strings, label matchers, range
/// durations and grouping clauses are removed first, then every remaining identifier that is not a function call
/// (followed by <c>(</c>), a keyword or part of a number is a metric name.
/// </summary>
internal static partial class PromQlMetricNames
{
    private static readonly HashSet<string> s_keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan",
    };

    public static IReadOnlySet<string> Extract(string expression)
    {
        string text = StringLiteral().Replace(expression, "\"\"");
        text = LabelMatchers().Replace(text, " ");
        text = RangeOrSubquery().Replace(text, " ");
        text = GroupingClause().Replace(text, " ");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in Identifier().Matches(text))
        {
            int after = match.Index + match.Length;
            while (after < text.Length && char.IsWhiteSpace(text[after]))
            {
                after++;
            }

            bool isCall = after < text.Length && text[after] == '(';
            if (!isCall && !s_keywords.Contains(match.Value))
            {
                names.Add(match.Value);
            }
        }

        return names;
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^{}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\[\]]*\]")]
    private static partial Regex RangeOrSubquery();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")]
    private static partial Regex GroupingClause();

    // Not preceded by a digit, letter, dot or underscore: skips the "e3" of "1e3" and the tail of longer words.
    [GeneratedRegex(@"(?<![0-9A-Za-z_.:])[A-Za-z_:][A-Za-z0-9_:]*")]
    private static partial Regex Identifier();
}
