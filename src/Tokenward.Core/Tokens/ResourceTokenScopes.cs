namespace Tokenward.Core.Tokens;

/// <summary>Scopes a project or group access token may not have (they act on users or the instance).</summary>
public static class ResourceTokenScopes
{
    public static readonly IReadOnlyList<string> Excluded = [Scopes.ReadUser, Scopes.Sudo, Scopes.AdminMode, "read_service_ping", Scopes.Introspect, Scopes.ReportLeaks];

    public static bool IsAllowed(string scope) => Scopes.IsKnown(scope) && !Excluded.Contains(scope);
}
