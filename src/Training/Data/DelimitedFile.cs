using System.Globalization;
using System.Text;

namespace HeartStream.Training.Data;

/// <summary>One non-blank line of a CSV/TSV file, split into fields, with its 1-based line number for error messages.</summary>
internal readonly record struct DelimitedRow(int LineNumber, string[] Fields);

/// <summary>
/// Minimal reader for the data sets' small CSV/TSV tables. It accepts LF, CRLF and bare-CR line endings (the PASCAL
/// files mix them), skips blank lines, and understands RFC 4180 double quotes within a line. Every problem is reported
/// as an <see cref="InvalidDataException"/> whose message starts with "path:line:" so a bad file can be found at once.
/// </summary>
internal static class DelimitedFile
{
    public static IEnumerable<DelimitedRow> Read(string path, char separator)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Data file not found: {path}", path);
        }

        string text = File.ReadAllText(path);
        int lineNumber = 0;
        int pos = 0;
        while (pos < text.Length)
        {
            int end = text.IndexOfAny(['\r', '\n'], pos);
            if (end < 0)
            {
                end = text.Length;
            }

            string line = text[pos..end];
            lineNumber++;
            pos = end;
            if (pos < text.Length && text[pos] == '\r' && pos + 1 < text.Length && text[pos + 1] == '\n')
            {
                pos += 2;
            }
            else if (pos < text.Length)
            {
                pos++;
            }

            // File.ReadAllText already strips a UTF-8 byte-order mark.
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return new DelimitedRow(lineNumber, Split(path, lineNumber, line, separator));
        }
    }

    /// <summary>Reads a table whose first non-blank line is a header that must hold <paramref name="expectedColumns"/> (in order, case-insensitive).</summary>
    public static IEnumerable<DelimitedRow> ReadWithHeader(string path, char separator, params string[] expectedColumns)
    {
        bool first = true;
        foreach (DelimitedRow row in Read(path, separator))
        {
            if (first)
            {
                first = false;
                CheckHeader(path, row, expectedColumns);
                continue;
            }

            if (row.Fields.Length != expectedColumns.Length)
            {
                throw Error(path, row.LineNumber, $"expected {expectedColumns.Length} fields ({string.Join(separator, expectedColumns)}) but found {row.Fields.Length}");
            }

            yield return row;
        }

        if (first)
        {
            throw Error(path, 1, "the file is empty (expected a header line)");
        }
    }

    public static InvalidDataException Error(string path, int lineNumber, string message) =>
        new($"{path}:{lineNumber.ToString(CultureInfo.InvariantCulture)}: {message}");

    public static double ParseDouble(string path, int lineNumber, string field, string what)
    {
        if (!double.TryParse(field.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            throw Error(path, lineNumber, $"{what} '{field}' is not a finite number");
        }

        return value;
    }

    public static int ParseInt(string path, int lineNumber, string field, string what)
    {
        if (!int.TryParse(field.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            throw Error(path, lineNumber, $"{what} '{field}' is not an integer");
        }

        return value;
    }

    private static void CheckHeader(string path, DelimitedRow row, string[] expectedColumns)
    {
        bool ok = row.Fields.Length >= expectedColumns.Length;
        for (int i = 0; ok && i < expectedColumns.Length; i++)
        {
            ok = string.Equals(row.Fields[i].Trim(), expectedColumns[i], StringComparison.OrdinalIgnoreCase);
        }

        if (!ok || row.Fields.Length != expectedColumns.Length)
        {
            throw Error(path, row.LineNumber, $"unexpected header '{string.Join(',', row.Fields)}', expected '{string.Join(',', expectedColumns)}'");
        }
    }

    private static string[] Split(string path, int lineNumber, string line, char separator)
    {
        if (!line.Contains('"', StringComparison.Ordinal))
        {
            return line.Split(separator);
        }

        var fields = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == separator)
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        if (quoted)
        {
            throw Error(path, lineNumber, "unterminated quoted field");
        }

        fields.Add(current.ToString());
        return [.. fields];
    }
}
