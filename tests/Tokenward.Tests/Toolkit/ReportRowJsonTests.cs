using System.Buffers;
using System.Text;
using System.Text.Json;
using Tokenward.Api;
using Tokenward.Toolkit;

namespace Tokenward.Tests.Toolkit;

/// <summary>
/// <see cref="ReportRowJson"/> writes its bytes by hand; they must be what the serializer writes
/// for the same fields, escaping included, in the CLI's output and through the endpoints' converter.
/// </summary>
public class ReportRowJsonTests
{
    private static readonly ReportRow Sample = new()
    {
        Id = 123456789012,
        Kind = "group",
        Name = "ci token",
        UserId = 42,
        Username = "group_7_bot_1f2e",
        UserEmail = "group7_bot@noreply.example.com",
        UserState = "active",
        Scopes = "[\"api\",\"read_repository\",\"self_rotate\"]",
        ExpiresAt = new DateOnly(2027, 5, 22),
        LastUsedAt = new DateTime(2026, 11, 28, 23, 59, 58, 123, DateTimeKind.Utc),
        CreatedAt = new DateTime(2025, 1, 2, 3, 4, 5, 6, DateTimeKind.Utc),
        ResourceType = "group",
        ResourceId = 7,
        ResourcePath = "group7",
        ExpiryBackfilled = true,
    };

    /// <summary>The fields in their order, through the serializer with its default escaping.</summary>
    private static string Expected(ReportRow r) => JsonSerializer.Serialize(new
    {
        id = r.Id,
        kind = r.Kind,
        name = r.Name,
        impersonation = r.Kind == "impersonation",
        scopes = r.ScopeList(),
        expires_at = r.ExpiresAt is { } e ? GitLabJson.FormatDate(e) : null,
        last_used_at = r.LastUsedAt is { } u ? GitLabJson.FormatTime(u) : null,
        created_at = GitLabJson.FormatTime(r.CreatedAt),
        user_id = r.UserId,
        username = r.Username,
        user_email = r.UserEmail,
        user_state = r.UserState,
        resource_type = r.ResourceType,
        resource_id = r.ResourceId,
        resource_path = r.ResourcePath,
        expiry_backfilled = r.ExpiryBackfilled,
    });

    private static string Written(ReportRow r)
    {
        var bytes = new ArrayBufferWriter<byte>(16);
        ReportRowJson.WriteRow(bytes, r);
        return Encoding.UTF8.GetString(bytes.WrittenSpan);
    }

    [Fact]
    public void A_row_is_what_the_serializer_writes()
    {
        Assert.Equal(Expected(Sample), Written(Sample));
        Assert.Equal(Expected(Sample), JsonSerializer.Serialize(Sample, ReportRowJson.Options));

        var personal = Sample with
        {
            Kind = "impersonation",
            UserEmail = null,
            Scopes = "[]",
            ExpiresAt = null,
            LastUsedAt = null,
            ResourceType = null,
            ResourceId = null,
            ResourcePath = null,
            ExpiryBackfilled = false,
            Id = 0,
            UserId = long.MaxValue,
        };
        Assert.Equal(Expected(personal), Written(personal));
        Assert.Contains("\"impersonation\":true,\"scopes\":[],\"expires_at\":null,\"last_used_at\":null", Written(personal), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_ascii_character_and_others_are_escaped_as_the_serializer_does()
    {
        var texts = Enumerable.Range(0, 128).Select(c => $"a{(char)c}b")
            .Concat(["", "Jürgen", "日本語のトークン", "emoji 🔑 key", "</script>", "a\"b\\c", "tab\there", "\u2028\u2029", "\u007f"]);
        foreach (var text in texts)
        {
            var row = Sample with { Name = text, Username = text, UserEmail = text, ResourcePath = text, Scopes = JsonSerializer.Serialize(new[] { text, "api" }) };
            Assert.Equal(Expected(row), Written(row));
        }
    }

    [Fact]
    public void Rows_in_a_list_go_through_the_converter()
    {
        var rows = new List<ReportRow> { Sample, Sample with { Id = 2, Name = "<x>" } };
        Assert.Equal($"[{Expected(rows[0])},{Expected(rows[1])}]", JsonSerializer.Serialize(rows, ReportRowJson.Options));
    }
}
