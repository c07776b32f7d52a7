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

    private static ReadOnlySpan<byte> StatusKey => "\"status\":"u8;

    /// <summary>Scans the complete lines of <paramref name="buffer"/> (the last one may lack its newline only at the end of the input).</summary>
    public void Scan(ReadOnlySpan<byte> buffer)
    {
        stats.Bytes += buffer.Length;
        while (!buffer.IsEmpty)
        {
            var end = buffer.IndexOf((byte)'\n');
            var line = end < 0 ? buffer : buffer[..end];
            buffer = end < 0 ? default : buffer[(end + 1)..];
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
            if (line[0] != (byte)'{' || line[^1] != (byte)'}')
            {
                stats.AddMalformed(segment, LineNumber);
                continue;
            }

            if (line.IndexOf(FailKey) < 0 && !Is401(line))
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

    private static bool Is401(ReadOnlySpan<byte> line)
    {
        var at = line.IndexOf(StatusKey);
        if (at < 0)
        {
            return false;
        }

        var value = line[(at + StatusKey.Length)..].TrimStart((byte)' ');
        return value.StartsWith("401"u8) && (value.Length == 3 || value[3] is (byte)',' or (byte)'}' or (byte)' ');
    }

    /// <summary>Reads the fields the analysis needs from one JSON object; false if it is not one.</summary>
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

                if (reader.ValueTextEquals("time"u8))
                {
                    reader.Read();
                    line.Time = reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var time) ? time.UtcDateTime : null;
                }
                else if (reader.ValueTextEquals("status"u8))
                {
                    reader.Read();
                    line.Status = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var status) ? status : 0;
                }
                else if (reader.ValueTextEquals("method"u8))
                {
                    line.Method = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("path"u8))
                {
                    line.Path = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("route"u8))
                {
                    line.Route = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("remote_ip"u8))
                {
                    line.RemoteIp = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("meta.remote_ip"u8))
                {
                    // remote_ip wins wherever it is in the line; the value must be read either way.
                    var metaIp = ReadString(ref reader);
                    line.RemoteIp ??= metaIp;
                }
                else if (reader.ValueTextEquals("ua"u8))
                {
                    line.UserAgent = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("meta.auth_fail_reason"u8))
                {
                    line.Reason = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("meta.auth_fail_token_id"u8))
                {
                    line.TokenId = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("meta.auth_fail_token_type"u8))
                {
                    line.TokenType = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("meta.auth_fail_requested_scopes"u8))
                {
                    line.RequestedScopes = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("meta.user"u8))
                {
                    line.User = ReadString(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

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
