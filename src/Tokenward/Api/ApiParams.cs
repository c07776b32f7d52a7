using System.Globalization;
using System.Text.Json;

namespace Tokenward.Api;

/// <summary>
/// A request's parameters the way GitLab's API (Grape) sees them: query string, form body and JSON
/// body merged, <c>scopes[]</c> read as <c>scopes</c>. Typed getters answer bad values with
/// GitLab's 400 texts (<c>name is missing</c>, <c>page is invalid</c>, ...).
/// </summary>
public sealed class ApiParams
{
    private const int MaxBodyBytes = 1 << 20;
    private static readonly object ItemKey = new();

    private readonly Dictionary<string, List<string>> _values;

    private ApiParams(Dictionary<string, List<string>> values) => _values = values;

    /// <summary>Every parameter and its values, for the request log.</summary>
    public IEnumerable<KeyValuePair<string, List<string>>> All => _values;

    public static ApiParams? Peek(HttpContext context) => context.Items.TryGetValue(ItemKey, out var p) ? p as ApiParams : null;

    public static async Task<ApiParams> ReadAsync(HttpContext context)
    {
        if (Peek(context) is { } cached)
        {
            return cached;
        }

        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (key, vals) in context.Request.Query)
        {
            foreach (var v in vals)
            {
                Add(values, key, v ?? string.Empty);
            }
        }

        var request = context.Request;
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(context.RequestAborted);
            }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException && !context.RequestAborted.IsCancellationRequested)
            {
                // A multipart body without (or with the wrong) boundary, a value over 4 MB, more than 1,024 keys.
                throw ApiException.BadRequest($"the form body cannot be read: {e.Message}");
            }

            foreach (var (key, vals) in form)
            {
                foreach (var v in vals)
                {
                    Add(values, key, v ?? string.Empty);
                }
            }
        }
        else if (request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true && request.ContentLength != 0)
        {
            // python-gitlab says application/json on every GET and DELETE without sending a body;
            // an empty or blank body is no body, whatever the method.
            if (await ReadBodyAsync(context) is { } body)
            {
                ReadJson(body, values);
            }
        }

        var result = new ApiParams(values);
        context.Items[ItemKey] = result;
        return result;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? String(string name) => _values.TryGetValue(name, out var v) && v.Count > 0 ? v[^1] : null;

    public string RequiredString(string name) =>
        String(name) is { Length: > 0 } s ? s : throw ApiException.InvalidParameter($"{name} is missing");

    /// <summary>A list parameter: repeated (<c>scopes[]=a&amp;scopes[]=b</c>), a JSON array, or comma-separated.</summary>
    public IReadOnlyList<string>? List(string name)
    {
        if (!_values.TryGetValue(name, out var v))
        {
            return null;
        }

        return v.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
    }

    public long? Long(string name) => String(name) is not { } s ? null
        : long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
        : throw ApiException.InvalidParameter($"{name} is invalid");

    public int? Int(string name) => String(name) is not { } s ? null
        : int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
        : throw ApiException.InvalidParameter($"{name} is invalid");

    public bool? Bool(string name) => String(name)?.ToLowerInvariant() switch
    {
        null => null,
        "true" or "1" or "yes" or "t" => true,
        "false" or "0" or "no" or "f" => false,
        _ => throw ApiException.InvalidParameter($"{name} is invalid"),
    };

    /// <summary>A date (<c>YYYY-MM-DD</c>), or the date of a date-time as written.</summary>
    public DateOnly? Date(string name)
    {
        if (String(name) is not { Length: > 0 } s)
        {
            return null;
        }

        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            return d;
        }

        // Grape coerces a date-time to its date as written, whatever its offset.
        return s.Length > 10 && s[10] is 'T' or 't' or ' '
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? DateOnly.FromDateTime(t.DateTime)
            : throw ApiException.InvalidParameter($"{name} is invalid");
    }

    /// <summary>An ISO 8601 time; one without an offset is taken as UTC, a bare date as its midnight UTC.</summary>
    public DateTime? Time(string name)
    {
        if (String(name) is not { Length: > 0 } s)
        {
            return null;
        }

        return DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? DateTime.SpecifyKind(t, DateTimeKind.Utc)
            : throw ApiException.InvalidParameter($"{name} is invalid");
    }

    /// <summary>A value that must be one of <paramref name="allowed"/>.</summary>
    public string? OneOf(string name, params string[] allowed) => String(name) is not { } s ? null
        : allowed.Contains(s, StringComparer.Ordinal) ? s
        : throw ApiException.InvalidParameter($"{name} does not have a valid value");

    /// <summary>A JSON string; one that is not valid text (invalid UTF-8, a lone surrogate) is refused.</summary>
    private static string StringOf(string name, JsonElement e)
    {
        try
        {
            return e.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw ApiException.InvalidParameter($"{name} is invalid");
        }
    }

    private static void Add(Dictionary<string, List<string>> values, string key, string value)
    {
        // No stored string may hold NUL (PostgreSQL refuses it, SQLite would keep it), and no
        // filter either: refused where it comes in, for every parameter.
        if (key.Contains('\0', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
        {
            throw ApiException.InvalidParameter($"{key.Replace("\0", string.Empty, StringComparison.Ordinal)} is invalid");
        }

        if (key.EndsWith("[]", StringComparison.Ordinal))
        {
            key = key[..^2];
        }

        if (!values.TryGetValue(key, out var list))
        {
            values[key] = list = [];
        }

        list.Add(value);
    }

    /// <summary>The whole body, or null when it is empty or only whitespace.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            throw ApiException.BadRequest("request body is too large");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw ApiException.BadRequest("request body is too large");
            }

            buffer.Write(chunk, 0, read);
        }

        var bytes = buffer.ToArray();
        return bytes.AsSpan().IndexOfAnyExcept(" \t\r\n"u8) < 0 ? null : bytes;
    }

    private static void ReadJson(byte[] body, Dictionary<string, List<string>> values)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw ApiException.BadRequest("the request body is not valid JSON");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw ApiException.BadRequest("the request body must be a JSON object");
            }

            foreach (var property in doc.RootElement.EnumerateObject())
            {
                var value = property.Value;
                switch (value.ValueKind)
                {
                    case JsonValueKind.Null or JsonValueKind.Undefined:
                        break;
                    case JsonValueKind.Array:
                        values[property.Name] = [];
                        foreach (var item in value.EnumerateArray())
                        {
                            Add(values, property.Name, Scalar(property.Name, item));
                        }

                        break;
                    default:
                        Add(values, property.Name, Scalar(property.Name, value));
                        break;
                }
            }
        }
    }

    private static string Scalar(string name, JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => StringOf(name, e),
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw ApiException.InvalidParameter($"{name} is invalid"),
    };
}
