using System.Text;
using System.Text.Json;

namespace Tokenward.Core.Tokens;

/// <summary>The <c>scopes</c> column: a JSON array of scope names, as <c>["api","read_user"]</c>.</summary>
public static class ScopeJson
{
    /// <summary>The names in the array (read without the serializer, whose start-up a one-shot CLI report would pay).</summary>
    public static string[] Parse(string json)
    {
        var scopes = new List<string>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                scopes.Add(reader.GetString()!);
            }
        }

        return [.. scopes];
    }
}
