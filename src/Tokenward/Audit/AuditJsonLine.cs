using System.Text.Json;
using Tokenward.Api;
using Tokenward.Storage;

namespace Tokenward.Audit;

/// <summary>An <c>audit_json.log</c> line. It carries its event's id, so a reader (and the shipper, after a crash) can tell which events a file holds.</summary>
public static class AuditJsonLine
{
    /// <summary>The line with its newline, written directly, the details copied as they are (bulk changes write thousands).</summary>
    public static byte[] Of(AuditEvent e)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("time", GitLabJson.FormatTime(e.CreatedAt));
            w.WriteString("severity", "INFO");
            w.WriteNumber("id", e.Id);
            WriteNumberOrNull(w, "author_id", e.AuthorId);
            w.WriteNumber("entity_id", e.EntityId);
            w.WriteString("entity_type", e.EntityType);
            w.WriteString("event_name", e.EventName);
            w.WriteString("target_type", e.TargetType);
            WriteNumberOrNull(w, "target_id", e.TargetId);
            w.WriteString("ip_address", e.IpAddress);
            w.WritePropertyName("details");
            w.WriteRawValue(e.Details, skipInputValidation: true);
            w.WriteEndObject();
        }

        System.Buffers.BuffersExtensions.Write(buffer, "\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
