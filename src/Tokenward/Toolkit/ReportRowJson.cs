using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tokenward.Api;

namespace Tokenward.Toolkit;

/// <summary>
/// A report row as JSON, for the admin endpoints and the CLI's <c>--format json</c> alike: GitLab's
/// token fields plus owner and resource. Written as UTF-8 bytes straight into the output, with
/// the serializer's escaping (a test holds them to the same bytes): a CLI report can be a hundred
/// thousand rows, and a writer call per field cost more than reading the row from the database.
/// </summary>
public sealed class ReportRowJson : JsonConverter<ReportRow>
{
    /// <summary>Options that read and write rows with this converter (<see cref="ReportRow"/> lives in Core, which knows no JSON writer).</summary>
    public static readonly JsonSerializerOptions Options = new() { Converters = { new ReportRowJson() } };

    /// <summary>The longest a row's fixed part can be: names, punctuation, numbers, dates and literals.</summary>
    private const int FixedLength = 512;

    /// <summary>The most bytes one UTF-16 character of a string becomes, escaped as <c>\uXXXX</c>.</summary>
    private const int MaxBytesPerChar = 6;

    /// <summary>Reads a row another Tokenward wrote (the CLI lists a remote dry run's tokens from them).</summary>
    public override ReportRow Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var e = document.RootElement;
        string? Text(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        long? Number(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
        DateTime? Time(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetDateTime().ToUniversalTime() : null;
        return new ReportRow
        {
            Id = Number("id") ?? 0,
            Kind = Text("kind") ?? TokenKinds.Personal,
            Name = Text("name") ?? string.Empty,
            Scopes = e.TryGetProperty("scopes", out var scopes) && scopes.ValueKind == JsonValueKind.Array ? scopes.GetRawText() : "[]",
            ExpiresAt = Text("expires_at") is { } d ? DateOnly.ParseExact(d, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : null,
            LastUsedAt = Time("last_used_at"),
            CreatedAt = Time("created_at") ?? default,
            UserId = Number("user_id") ?? 0,
            Username = Text("username") ?? string.Empty,
            UserEmail = Text("user_email"),
            UserState = Text("user_state") ?? Core.Authentication.UserStates.Active,
            ResourceType = Text("resource_type"),
            ResourceId = Number("resource_id"),
            ResourcePath = Text("resource_path"),
            ExpiryBackfilled = e.TryGetProperty("expiry_backfilled", out var b) && b.ValueKind == JsonValueKind.True,
        };
    }

    public override void Write(Utf8JsonWriter writer, ReportRow value, JsonSerializerOptions options)
    {
        var row = new ArrayBufferWriter<byte>(FixedLength);
        WriteRow(row, value);
        writer.WriteRawValue(row.WrittenSpan, skipInputValidation: true);
    }

    /// <summary>The row as one JSON object, without surrounding whitespace.</summary>
    public static void WriteRow(IBufferWriter<byte> output, ReportRow r)
    {
        var scopes = r.ScopeList();
        var strings = r.Kind.Length + r.Name.Length + r.Username.Length + (r.UserEmail?.Length ?? 0) + r.UserState.Length
            + (r.ResourceType?.Length ?? 0) + (r.ResourcePath?.Length ?? 0);
        foreach (var scope in scopes)
        {
            strings += scope.Length + 3;
        }

        var span = output.GetSpan(FixedLength + (strings * MaxBytesPerChar));
        var w = new Bytes(span);
        w.Raw("{\"id\":"u8);
        w.Number(r.Id);
        w.Raw(",\"kind\":"u8);
        w.String(r.Kind);
        w.Raw(",\"name\":"u8);
        w.String(r.Name);
        w.Raw(",\"impersonation\":"u8);
        w.Boolean(r.Kind == TokenKinds.Impersonation);
        w.Raw(",\"scopes\":["u8);
        for (var i = 0; i < scopes.Count; i++)
        {
            if (i > 0)
            {
                w.Raw(","u8);
            }

            w.String(scopes[i]);
        }

        w.Raw("],\"expires_at\":"u8);
        Span<char> text = stackalloc char[GitLabJson.TimeLength];
        w.Date(r.ExpiresAt, text);

        w.Raw(",\"last_used_at\":"u8);
        w.Time(r.LastUsedAt, text);
        w.Raw(",\"created_at\":"u8);
        w.Time(r.CreatedAt, text);
        w.Raw(",\"user_id\":"u8);
        w.Number(r.UserId);
        w.Raw(",\"username\":"u8);
        w.String(r.Username);
        w.Raw(",\"user_email\":"u8);
        w.String(r.UserEmail);
        w.Raw(",\"user_state\":"u8);
        w.String(r.UserState);
        w.Raw(",\"resource_type\":"u8);
        w.String(r.ResourceType);
        w.Raw(",\"resource_id\":"u8);
        w.Number(r.ResourceId);

        w.Raw(",\"resource_path\":"u8);
        w.String(r.ResourcePath);
        w.Raw(",\"expiry_backfilled\":"u8);
        w.Boolean(r.ExpiryBackfilled);
        w.Raw("}"u8);
        output.Advance(w.Length);
    }

    /// <summary>Appends to a span known to be long enough (<see cref="WriteRow"/> sizes it first).</summary>
    private ref struct Bytes(Span<byte> span)
    {
        private readonly Span<byte> _span = span;

        public int Length { get; private set; }

        public void Raw(scoped ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_span[Length..]);
            Length += bytes.Length;
        }

        public void Number(long? value)
        {
            if (value is not { } number)
            {
                Raw("null"u8);
                return;
            }

            Utf8Formatter.TryFormat(number, _span[Length..], out var written);
            Length += written;
        }

        public void Boolean(bool value) => Raw(value ? "true"u8 : "false"u8);

        /// <summary>A quoted string of characters that need no escaping (dates and times).</summary>
        public void Ascii(scoped ReadOnlySpan<char> text)
        {
            _span[Length++] = (byte)'"';
            foreach (var c in text)
            {
                _span[Length++] = (byte)c;
            }

            _span[Length++] = (byte)'"';
        }

        public void Date(DateOnly? date, scoped Span<char> text)
        {
            if (date is { } d)
            {
                GitLabJson.FormatDate(d, text);
                Ascii(text[..10]);
            }
            else
            {
                Raw("null"u8);
            }
        }

        public void Time(DateTime? utc, scoped Span<char> text)
        {
            if (utc is { } t)
            {
                GitLabJson.FormatTime(t, text);
                Ascii(text);
            }
            else
            {
                Raw("null"u8);
            }
        }

        /// <summary>
        /// A JSON string, escaped as the serializer's default encoder does. Names, emails and paths are
        /// almost always printable ASCII that it leaves alone, so those are copied byte for byte;
        /// anything else goes through <see cref="JsonEncodedText"/>.
        /// </summary>
        public void String(string? value)
        {
            if (value is null)
            {
                Raw("null"u8);
                return;
            }

            var start = Length;
            _span[Length++] = (byte)'"';
            foreach (var c in value)
            {
                if (c is < ' ' or > '~' or '"' or '\\' or '<' or '>' or '&' or '\'' or '+' or '`')
                {
                    Length = start;
                    Escaped(value);
                    return;
                }

                _span[Length++] = (byte)c;
            }

            _span[Length++] = (byte)'"';
        }

        private void Escaped(string value)
        {
            _span[Length++] = (byte)'"';
            Raw(JsonEncodedText.Encode(value).EncodedUtf8Bytes);
            _span[Length++] = (byte)'"';
        }
    }
}
