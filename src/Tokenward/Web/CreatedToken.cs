namespace Tokenward.Web;

/// <summary>A token just made or rotated, shown this once (<c>Shared/_CreatedToken.cshtml</c>).</summary>
/// <param name="Kind">"personal", "project" or "group".</param>
public sealed record CreatedToken(string Kind, string Name, string Value, DateOnly? ExpiresAt);
