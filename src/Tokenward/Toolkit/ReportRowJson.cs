using System.Text.Json;
using System.Text.Json.Serialization;
using Tokenward.Api;

namespace Tokenward.Toolkit;

/// <summary>
/// A report row as JSON, for the admin endpoints and the CLI's <c>--format json</c> alike: GitLab's
/// token fields plus owner and resource, written field by field (a CLI report can be a hundred
/// thousand rows, and the serializer's reflection start-up alone cost a fifth of a second).
/// </summary>
public sealed class ReportRowJson : JsonConverter<ReportRow>
{
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Impersonation = JsonEncodedText.Encode("impersonation");
    private static readonly JsonEncodedText Scopes = JsonEncodedText.Encode("scopes");
    private static readonly JsonEncodedText ExpiresAt = JsonEncodedText.Encode("expires_at");
    private static readonly JsonEncodedText LastUsedAt = JsonEncodedText.Encode("last_used_at");
    private static readonly JsonEncodedText CreatedAt = JsonEncodedText.Encode("created_at");
    private static readonly JsonEncodedText UserId = JsonEncodedText.Encode("user_id");
    private static readonly JsonEncodedText Username = JsonEncodedText.Encode("username");
    private static readonly JsonEncodedText UserEmail = JsonEncodedText.Encode("user_email");
    private static readonly JsonEncodedText UserState = JsonEncodedText.Encode("user_state");
    private static readonly JsonEncodedText ResourceType = JsonEncodedText.Encode("resource_type");
    private static readonly JsonEncodedText ResourceId = JsonEncodedText.Encode("resource_id");
    private static readonly JsonEncodedText ResourcePath = JsonEncodedText.Encode("resource_path");
    private static readonly JsonEncodedText ExpiryBackfilled = JsonEncodedText.Encode("expiry_backfilled");

    public override ReportRow Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("report rows are written, never read");

    public override void Write(Utf8JsonWriter writer, ReportRow value, JsonSerializerOptions options) => WriteRow(writer, value);

    public static void WriteRow(Utf8JsonWriter writer, ReportRow r)
    {
        writer.WriteStartObject();
        writer.WriteNumber(Id, r.Id);
        writer.WriteString(Kind, r.Kind);
        writer.WriteString(Name, r.Name);
        writer.WriteBoolean(Impersonation, r.Kind == Lifecycle.TokenKinds.Impersonation);
        writer.WriteStartArray(Scopes);
        foreach (var scope in r.ScopeList())
        {
            writer.WriteStringValue(scope);
        }

        writer.WriteEndArray();
        Span<char> text = stackalloc char[GitLabJson.TimeLength];
        if (r.ExpiresAt is { } expires)
        {
            GitLabJson.FormatDate(expires, text);
            writer.WriteString(ExpiresAt, text[..10]);
        }
        else
        {
            writer.WriteNull(ExpiresAt);
        }

        WriteTime(writer, LastUsedAt, r.LastUsedAt, text);
        WriteTime(writer, CreatedAt, r.CreatedAt, text);
        writer.WriteNumber(UserId, r.UserId);
        writer.WriteString(Username, r.Username);
        writer.WriteString(UserEmail, r.UserEmail);
        writer.WriteString(UserState, r.UserState);
        writer.WriteString(ResourceType, r.ResourceType);
        if (r.ResourceId is { } resource)
        {
            writer.WriteNumber(ResourceId, resource);
        }
        else
        {
            writer.WriteNull(ResourceId);
        }

        writer.WriteString(ResourcePath, r.ResourcePath);
        writer.WriteBoolean(ExpiryBackfilled, r.ExpiryBackfilled);
        writer.WriteEndObject();
    }

    /// <summary>As <see cref="GitLabJson.FormatTime(DateTime)"/>, without a string per value.</summary>
    private static void WriteTime(Utf8JsonWriter writer, JsonEncodedText name, DateTime? utc, Span<char> text)
    {
        if (utc is { } t)
        {
            GitLabJson.FormatTime(t, text);
            writer.WriteString(name, text);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
