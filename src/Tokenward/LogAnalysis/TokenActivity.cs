using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tokenward.LogAnalysis;

/// <summary>
/// What one token did, from <c>api_json.log</c> (Tokenward's or GitLab's): its successful calls
/// (top-level <c>token_id</c>, as GitLab's TokenLogger writes it) and its refusals
/// (<c>meta.auth_fail_token_id</c>), per day, endpoint, address and user agent. Lines are matched
/// by their bytes first; only the token's own are parsed.
/// </summary>
public sealed class TokenActivity
{
    private readonly byte[] _successKey;
    private readonly byte[] _failureValue;
    private readonly FailureLine _line = new();

    private TokenActivity(long tokenId, DateTime? since, DateTime? until)
    {
        TokenId = tokenId;
        Since = since;
        Until = until;
        _successKey = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\"token_id\":{tokenId}"));
        _failureValue = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\"PersonalAccessToken/{tokenId}\""));
    }

    public long TokenId { get; }

    public DateTime? Since { get; }

    public DateTime? Until { get; }

    public long Calls => Succeeded + Refused;

    public long Succeeded { get; private set; }

    public long Refused { get; private set; }

    public DateTime? FirstSeen { get; private set; }

    public DateTime? LastSeen { get; private set; }

    public string? LastAddress { get; private set; }

    public SortedDictionary<DateOnly, Count> Days { get; } = [];

    public Dictionary<string, Count> Endpoints { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Count> Addresses { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Count> UserAgents { get; } = new(StringComparer.Ordinal);

    /// <summary>Calls and refusals of one day, endpoint, address or user agent, and when it was last seen.</summary>
    public sealed class Count
    {
        public long Calls { get; set; }

        public long Refused { get; set; }

        public DateTime? LastSeen { get; set; }
    }

    /// <exception cref="LogInputException">when an input is binary or not JSON lines.</exception>
    public static TokenActivity Scan(IReadOnlyList<LogInput> inputs, long tokenId, DateTime? since, DateTime? until, CancellationToken ct)
    {
        var activity = new TokenActivity(tokenId, since, until);
        JsonLineChunks.Read(inputs, activity.Lines, ct);
        return activity;
    }

    private void Lines(ReadOnlySpan<byte> buffer)
    {
        // Only lines that name the token are looked at: the next mention of either kind, then its
        // line. Each search runs again only once its mention is consumed, so a busy token's many
        // lines do not each search the rest of the buffer for the kind that is absent.
        var offset = 0;
        var success = NextSuccess(buffer, 0);
        var failure = IndexOf(buffer, _failureValue, 0);
        while (success >= 0 || failure >= 0)
        {
            var at = success < 0 ? failure : failure < 0 ? success : Math.Min(success, failure);
            var start = buffer[offset..at].LastIndexOf((byte)'\n') + 1 + offset;
            var length = buffer[at..].IndexOf((byte)'\n');
            var end = length < 0 ? buffer.Length : at + length;
            Line(buffer[start..end].TrimEnd((byte)'\r'));
            offset = Math.Min(end + 1, buffer.Length);
            if (success >= 0 && success < offset)
            {
                success = NextSuccess(buffer, offset);
            }

            if (failure >= 0 && failure < offset)
            {
                failure = IndexOf(buffer, _failureValue, offset);
            }
        }
    }

    private static int IndexOf(ReadOnlySpan<byte> buffer, ReadOnlySpan<byte> value, int from)
    {
        var at = buffer[from..].IndexOf(value);
        return at < 0 ? -1 : from + at;
    }

    /// <summary>Where <c>"token_id":N</c> is, not followed by another digit (12 is not 123).</summary>
    private int NextSuccess(ReadOnlySpan<byte> buffer, int from)
    {
        var offset = from;
        while (true)
        {
            var at = buffer[offset..].IndexOf(_successKey);
            if (at < 0)
            {
                return -1;
            }

            var after = offset + at + _successKey.Length;
            if (after >= buffer.Length || !char.IsAsciiDigit((char)buffer[after]))
            {
                return offset + at;
            }

            offset = after;
        }
    }

    private void Line(ReadOnlySpan<byte> json)
    {
        if (!LineScanner.TryParse(json, _line))
        {
            return;
        }

        var refused = _line.TokenId == $"PersonalAccessToken/{TokenId.ToString(CultureInfo.InvariantCulture)}";
        if (!refused && TopLevelTokenId(json) != TokenId)
        {
            return;
        }

        var time = _line.Time;
        if ((Since is { } s && (time is null || time < s)) || (Until is { } u && (time is null || time >= u)))
        {
            return;
        }

        if (refused)
        {
            Refused++;
        }
        else
        {
            Succeeded++;
        }

        if (time is { } t)
        {
            FirstSeen = FirstSeen is { } f && f <= t ? f : t;
            if (LastSeen is not { } l || t >= l)
            {
                LastSeen = t;
                LastAddress = _line.RemoteIp;
            }
        }

        if (time is { } day)
        {
            Add(Days, DateOnly.FromDateTime(day), refused, time);
        }

        Add(Endpoints, $"{_line.Method ?? "?"} {_line.Route ?? _line.Path ?? "?"}", refused, time);
        Add(Addresses, _line.RemoteIp ?? "-", refused, time);
        Add(UserAgents, string.IsNullOrEmpty(_line.UserAgent) ? "-" : _line.UserAgent, refused, time);
    }

    private static void Add<TKey>(IDictionary<TKey, Count> counts, TKey key, bool refused, DateTime? time)
    {
        if (!counts.TryGetValue(key, out var count))
        {
            counts[key] = count = new Count();
        }

        count.Calls++;
        if (refused)
        {
            count.Refused++;
        }

        if (time is { } t && (count.LastSeen is not { } l || t > l))
        {
            count.LastSeen = t;
        }
    }

    private static long? TopLevelTokenId(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("token_id"u8))
                {
                    reader.Read();
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var id) ? id : null;
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    public static IEnumerable<KeyValuePair<string, Count>> Top(Dictionary<string, Count> counts, int top) =>
        counts.OrderByDescending(c => c.Value.Calls).ThenBy(c => c.Key, StringComparer.Ordinal).Take(top);
}
