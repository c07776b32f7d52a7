namespace Tokenward.Toolkit;

/// <summary>RFC 4180 lines, for the <c>--format csv</c> of the reports and the log analysis.</summary>
public static class Csv
{
    public static string Line(IEnumerable<string?> values) => string.Join(',', values.Select(Field));

    /// <summary>Quoted only when it holds a quote, comma or line break; null is an empty field.</summary>
    public static string Field(string? value) =>
        value is null ? string.Empty
        : value.AsSpan().IndexOfAny("\",\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : value;
}
