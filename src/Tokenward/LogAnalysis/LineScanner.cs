using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Tokenward.LogAnalysis;

/// <summary>
/// Reads <c>api_json.log</c> lines out of a buffer. Most lines are successful requests: they are
/// recognised by their bytes (no <c>"meta.auth_fail_</c> key, a status other than 401) and never
/// parsed; only candidates go through <see cref="Utf8JsonReader"/>, whatever the order of their keys.
/// </summary>
public sealed class LineScanner(LogFilter filter, AuthFailureStats stats, int segment, Action<FailureLine>? onFailure = null)
{
    private readonly FailureLine _line = new();

    /// <summary>Lines seen so far in this segment, blank ones included (for line numbers).</summary>
    public long LineNumber { get; private set; }

    private static ReadOnlySpan<byte> FailKey => "\"meta.auth_fail_"u8;

    /// <summary>The '.' of <see cref="FailKey"/>: a quote with a dot five bytes on is rare outside <c>"meta.</c> keys.</summary>
    private const int FailProbe = 5;

    /// <summary>The same as other JSON writers (Python's default, pretty printers) put it.</summary>
    private static ReadOnlySpan<byte> Status401Spaced => "\"status\": 401"u8;

    /// <summary>The ':' of <see cref="Status401"/> and <see cref="Status401Spaced"/>.</summary>
    private const int StatusProbe = 8;

    /// <summary>GitLab and Tokenward write the status without spaces; a 401 without the fail keys is an unknown or missing token.</summary>
    private static ReadOnlySpan<byte> Status401 => "\"status\":401"u8;

    /// <summary>Scans the complete lines of <paramref name="buffer"/> (the last one may lack its newline only at the end of the input).</summary>
    // Fully optimised from the first call: a precompiled (ReadyToRun) or tier-0 body cannot inline
    // the vectorised span searches, and one call scans a whole megabyte.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Scan(ReadOnlySpan<byte> buffer)
    {
        stats.Bytes += buffer.Length;

        // The keys that mark a candidate are searched in the whole buffer, not line by line: one
        // vectorised pass each, resumed only after a hit, so a run of successful lines costs
        // little more than finding their newlines.
        var nextFail = Find(buffer, FailKey, FailProbe, 0);
        var next401 = Find(buffer, Status401, StatusProbe, 0);
        var nextSpaced401 = Find(buffer, Status401Spaced, StatusProbe, 0);
        var start = 0;
        while (start < buffer.Length)
        {
            var length = ByteSearch.IndexOf(buffer[start..], (byte)'\n');
            var end = length < 0 ? buffer.Length : start + length;
            var line = buffer[start..end];
            var lineStart = start;
            start = end + 1;
            LineNumber++;
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (line.IsEmpty)
            {
                continue;
            }

            stats.Lines++;
            var candidate = (nextFail >= lineStart && nextFail < end) || (next401 >= lineStart && next401 < end) || (nextSpaced401 >= lineStart && nextSpaced401 < end);
            if (nextFail >= 0 && nextFail < end)
            {
                nextFail = Find(buffer, FailKey, FailProbe, end);
            }

            if (next401 >= 0 && next401 < end)
            {
                next401 = Find(buffer, Status401, StatusProbe, end);
            }

            if (nextSpaced401 >= 0 && nextSpaced401 < end)
            {
                nextSpaced401 = Find(buffer, Status401Spaced, StatusProbe, end);
            }

            if (line[0] != (byte)'{' || line[^1] != (byte)'}')
            {
                stats.AddMalformed(segment, LineNumber);
                continue;
            }

            if (!candidate)
            {
                continue;
            }

            if (!TryParse(line, _line))
            {
                stats.AddMalformed(segment, LineNumber);
                continue;
            }

            var failed = _line.Reason is not null || _line.TokenId is not null || _line.Status == 401;
            if (failed && filter.Matches(_line))
            {
                stats.Add(_line);
                onFailure?.Invoke(_line);
            }
        }
    }

    /// <summary>The next occurrence of <paramref name="key"/> at or after <paramref name="from"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Find(ReadOnlySpan<byte> buffer, ReadOnlySpan<byte> key, int probe, int from)
    {
        if (from >= buffer.Length)
        {
            return -1;
        }

        var at = ByteSearch.IndexOf(buffer[from..], key, probe);
        return at < 0 ? -1 : from + at;
    }

    /// <summary>Reads the fields the analysis needs from one JSON object; false if it is not one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParse(ReadOnlySpan<byte> json, FailureLine line)
    {
        line.Clear();
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    return reader.CurrentDepth == 0 && reader.BytesConsumed == json.Length;
                }

                // Keys are compared as raw bytes, by length first: a GitLab line has some fifty
                // keys, and only a dozen matter.
                var name = reader.ValueIsEscaped ? System.Text.Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;
                switch (Key(name))
                {
                    case Field.Time:
                        reader.Read();
                        line.Time = reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var time) ? time.UtcDateTime : null;
                        break;
                    case Field.Status:
                        reader.Read();
                        line.Status = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var status) ? status : 0;
                        break;
                    case Field.Method:
                        line.Method = ReadString(ref reader);
                        break;
                    case Field.Path:
                        line.Path = ReadString(ref reader);
                        break;
                    case Field.Route:
                        line.Route = ReadString(ref reader);
                        break;
                    case Field.RemoteIp:
                        line.RemoteIp = ReadString(ref reader);
                        break;
                    case Field.MetaRemoteIp:
                        // remote_ip wins wherever it is in the line; the value must be read either way.
                        var metaIp = ReadString(ref reader);
                        line.RemoteIp ??= metaIp;
                        break;
                    case Field.UserAgent:
                        line.UserAgent = ReadString(ref reader);
                        break;
                    case Field.Reason:
                        line.Reason = ReadString(ref reader);
                        break;
                    case Field.TokenId:
                        line.TokenId = ReadString(ref reader);
                        break;
                    case Field.TokenType:
                        line.TokenType = ReadString(ref reader);
                        break;
                    case Field.RequestedScopes:
                        line.RequestedScopes = ReadString(ref reader);
                        break;
                    case Field.User:
                        line.User = ReadString(ref reader);
                        break;
                    default:
                        reader.Read();
                        reader.Skip();
                        break;
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private enum Field
    {
        Other,
        Time,
        Status,
        Method,
        Path,
        Route,
        RemoteIp,
        MetaRemoteIp,
        UserAgent,
        Reason,
        TokenId,
        TokenType,
        RequestedScopes,
        User,
    }

    private static Field Key(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when name.SequenceEqual("ua"u8) => Field.UserAgent,
        4 when name.SequenceEqual("time"u8) => Field.Time,
        4 when name.SequenceEqual("path"u8) => Field.Path,
        5 when name.SequenceEqual("route"u8) => Field.Route,
        6 when name.SequenceEqual("status"u8) => Field.Status,
        6 when name.SequenceEqual("method"u8) => Field.Method,
        9 when name.SequenceEqual("remote_ip"u8) => Field.RemoteIp,
        9 when name.SequenceEqual("meta.user"u8) => Field.User,
        14 when name.SequenceEqual("meta.remote_ip"u8) => Field.MetaRemoteIp,
        21 when name.SequenceEqual("meta.auth_fail_reason"u8) => Field.Reason,
        23 when name.SequenceEqual("meta.auth_fail_token_id"u8) => Field.TokenId,
        25 when name.SequenceEqual("meta.auth_fail_token_type"u8) => Field.TokenType,
        31 when name.SequenceEqual("meta.auth_fail_requested_scopes"u8) => Field.RequestedScopes,
        _ => Field.Other,
    };

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }
}
