using System.Globalization;
using System.Text.Json;

namespace Tokenward.LogAnalysis;

/// <summary>
/// Successful calls per token in <c>api_json.log</c> (Tokenward's or GitLab's: the top-level
/// <c>token_id</c> of an authenticated request) and the days the log covers, for the calls per
/// day of <c>tokens at-risk --log</c>. Only lines that carry a numeric <c>token_id</c> are parsed.
/// </summary>
public sealed class TokenCallCounts
{
    private readonly Dictionary<long, long> _calls = [];

    public DateOnly? FirstDay { get; private set; }

    public DateOnly? LastDay { get; private set; }

    /// <summary>The days from the log's first line to its last, both counted; at least one.</summary>
    public int Days => FirstDay is { } f && LastDay is { } l ? l.DayNumber - f.DayNumber + 1 : 1;

    public long Calls(long tokenId) => _calls.GetValueOrDefault(tokenId);

    public double PerDay(long tokenId) => (double)Calls(tokenId) / Days;

    /// <exception cref="LogInputException">when an input cannot be read.</exception>
    public static TokenCallCounts Scan(IReadOnlyList<LogInput> inputs, CancellationToken ct)
    {
        var counts = new TokenCallCounts();
        JsonLineChunks.Read(inputs, counts.Lines, ct);
        return counts;
    }

    private void Lines(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var end = buffer.IndexOf((byte)'\n');
            var line = end < 0 ? buffer : buffer[..end];
            buffer = end < 0 ? [] : buffer[(end + 1)..];
            // Cheap test first: a successful line names its token as "token_id":<digits>.
            var at = line.IndexOf("\"token_id\":"u8);
            if (at >= 0 && at + 11 < line.Length && char.IsAsciiDigit((char)line[at + 11]))
            {
                Line(line.TrimEnd((byte)'\r'));
            }
        }
    }

    private void Line(ReadOnlySpan<byte> json)
    {
        long? id = null;
        DateOnly? day = null;
        var reader = new Utf8JsonReader(json);
        try
        {
            while (reader.Read() && (id is null || day is null))
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                if (reader.ValueTextEquals("token_id"u8))
                {
                    reader.Read();
                    id = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n) ? n : null;
                }
                else if (reader.ValueTextEquals("time"u8))
                {
                    reader.Read();
                    day = reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: >= 10 } t
                        && DateOnly.TryParseExact(t.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
                }
            }
        }
        catch (JsonException)
        {
            return;
        }

        if (id is not { } token)
        {
            return;
        }

        _calls[token] = _calls.GetValueOrDefault(token) + 1;
        if (day is { } seen)
        {
            FirstDay = FirstDay is { } f && f <= seen ? f : seen;
            LastDay = LastDay is { } l && l >= seen ? l : seen;
        }
    }
}
