namespace Tokenward.Toolkit;

/// <summary>How a report is written: a table for people, the seed's own sentences, or JSON/CSV for machines.</summary>
public static class ReportFormat
{
    public const string Table = "table";
    public const string Lines = "lines";
    public const string Json = "json";
    public const string Csv = "csv";

    public static readonly string[] All = [Table, Lines, Json, Csv];
}
