using System.Globalization;
using System.Text;

namespace HeartStream.Pipeline.Telemetry;

/// <summary>
/// One combination of label values. Keeps the tags as the caller passed them (to match later measurements without
/// allocating) and the escaped, key-sorted text that goes between the braces.
/// </summary>
internal sealed class LabelSet
{
    public static readonly LabelSet Empty = new([], [], 0, string.Empty);

    private readonly string[] _keys;
    private readonly object?[] _values;

    private LabelSet(string[] keys, object?[] values, int hash, string rendered)
    {
        _keys = keys;
        _values = values;
        Hash = hash;
        Rendered = rendered;
    }

    public int Hash { get; }

    /// <summary>e.g. <c>priority="high",type="tachycardia"</c>: sorted by label name, values escaped.</summary>
    public string Rendered { get; }

    /// <summary>Order-independent hash of the tags; allocation-free.</summary>
    public static int ComputeHash(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        int hash = tags.Length;
        foreach (ref readonly KeyValuePair<string, object?> tag in tags)
        {
            hash = unchecked(hash + HashCode.Combine(tag.Key, tag.Value));
        }

        return hash;
    }

    public static LabelSet Create(ReadOnlySpan<KeyValuePair<string, object?>> tags, int hash)
    {
        if (tags.Length == 0)
        {
            return Empty;
        }

        var keys = new string[tags.Length];
        var values = new object?[tags.Length];
        var rendered = new (string Name, string Value)[tags.Length];
        for (int i = 0; i < tags.Length; i++)
        {
            keys[i] = tags[i].Key;
            values[i] = tags[i].Value;
            rendered[i] = (PrometheusText.SanitizeLabelName(tags[i].Key), PrometheusText.EscapeLabelValue(Format(tags[i].Value)));
        }

        Array.Sort(rendered, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        var text = new StringBuilder();
        foreach ((string name, string value) in rendered)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(name).Append("=\"").Append(value).Append('"');
        }

        return new LabelSet(keys, values, hash, text.ToString());
    }

    /// <summary>Same tags in any order; allocation-free.</summary>
    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length != _keys.Length)
        {
            return false;
        }

        foreach (ref readonly KeyValuePair<string, object?> tag in tags)
        {
            int i = Array.IndexOf(_keys, tag.Key);
            if (i < 0 || !Equals(_values[i], tag.Value))
            {
                return false;
            }
        }

        return true;
    }

    private static string Format(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
