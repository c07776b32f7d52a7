using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tokenward.Api;

/// <summary>JSON as GitLab writes it: snake_case names, times in UTC with milliseconds, dates as YYYY-MM-DD.</summary>
public static class GitLabJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.Converters.Add(new TimeConverter());
        options.Converters.Add(new Toolkit.ReportRowJson());
    }

    /// <summary>Length of <see cref="FormatTime(DateTime)"/>'s text: <c>2026-06-01T10:00:00.000Z</c>.</summary>
    public const int TimeLength = 24;

    public static string FormatTime(DateTime utc) => string.Create(TimeLength, utc, static (text, t) => FormatTime(t, text));

    /// <summary>
    /// The same into <paramref name="text"/> (at least <see cref="TimeLength"/> long), digit by
    /// digit: a report writes three times a row, and a custom format string is parsed on every call.
    /// </summary>
    public static void FormatTime(DateTime utc, Span<char> text)
    {
        var t = utc.ToUniversalTime();
        FormatDate(DateOnly.FromDateTime(t), text);
        text[10] = 'T';
        Digits(text.Slice(11, 2), t.Hour);
        text[13] = ':';
        Digits(text.Slice(14, 2), t.Minute);
        text[16] = ':';
        Digits(text.Slice(17, 2), t.Second);
        text[19] = '.';
        Digits(text.Slice(20, 3), t.Millisecond);
        text[23] = 'Z';
    }

    /// <summary><c>yyyy-MM-dd</c>.</summary>
    public static string FormatDate(DateOnly date) => string.Create(10, date, static (text, d) => FormatDate(d, text));

    /// <summary><c>yyyy-MM-dd</c> into the first ten characters of <paramref name="text"/>.</summary>
    public static void FormatDate(DateOnly date, Span<char> text)
    {
        Digits(text[..4], date.Year);
        text[4] = '-';
        Digits(text.Slice(5, 2), date.Month);
        text[7] = '-';
        Digits(text.Slice(8, 2), date.Day);
    }

    private static void Digits(Span<char> text, int value)
    {
        for (var i = text.Length - 1; i >= 0; i--, value /= 10)
        {
            text[i] = (char)('0' + (value % 10));
        }
    }

    private sealed class TimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTime.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(FormatTime(value));
    }
}
