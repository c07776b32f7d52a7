using Tokenward.Core.Validation;

namespace Tokenward.Core.Tokens;

/// <summary>What a new token's name, description and scopes must be, whichever kind and whoever asks.</summary>
public static class TokenRequestRules
{
    public const int MaxNameLength = 255;

    /// <summary>The name as stored: trimmed, present, and (for a new token, not a successor) one line of GitLab's length.</summary>
    /// <param name="successor">
    /// A successor takes its predecessor's name and description as they are: a token stored before
    /// these rules must still rotate, or its self-rotating client would be stuck.
    /// </param>
    /// <exception cref="TokenValidationException">when it is not.</exception>
    public static string Name(string requested, bool successor)
    {
        var name = requested.Trim();
        if (name.Length == 0)
        {
            throw new TokenValidationException("name", "can't be blank");
        }

        return !successor && TextRules.Line(name, MaxNameLength) is { } problem
            ? throw new TokenValidationException("name", problem)
            : name;
    }

    /// <exception cref="TokenValidationException">when a new token's description is too long or holds control characters.</exception>
    public static void Description(string? description, bool successor)
    {
        if (!successor && description is not null && TextRules.Text(description, TextRules.MaxTokenDescriptionLength) is { } problem)
        {
            throw new TokenValidationException("description", problem);
        }
    }

    /// <summary>The scopes normalized: at least one, each one GitLab knows.</summary>
    /// <exception cref="TokenValidationException">when there are none or one is unknown.</exception>
    public static IReadOnlyList<string> Scopes(IEnumerable<string> requested)
    {
        var scopes = Tokens.Scopes.Normalize(requested);
        if (scopes.Count == 0)
        {
            throw new TokenValidationException("scopes", "can't be blank");
        }

        return scopes.FirstOrDefault(s => !Tokens.Scopes.IsKnown(s)) is { } unknown
            ? throw new TokenValidationException("scopes", $"contains an unknown scope '{unknown}'; known scopes are {string.Join(", ", Tokens.Scopes.All)}")
            : scopes;
    }
}
