namespace Tokenward.Core.Tokens;

/// <summary>GitLab's token scopes, by the names GitLab uses in its API and database.</summary>
public static class Scopes
{
    public const string Api = "api";
    public const string ReadApi = "read_api";
    public const string ReadUser = "read_user";
    public const string Sudo = "sudo";
    public const string AdminMode = "admin_mode";
    public const string SelfRotate = "self_rotate";
    public const string K8sProxy = "k8s_proxy";

    /// <summary>Tokenward's own: may ask <c>POST /oauth/introspect</c> about other tokens.</summary>
    public const string Introspect = "introspect";

    /// <summary>Tokenward's own: may report token values found in the wild (<c>POST /api/v4/token_leaks</c>), which revokes them.</summary>
    public const string ReportLeaks = "report_leaks";

    /// <summary>Every scope a personal access token may carry, in GitLab's documented order, then Tokenward's own.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        Api, ReadApi, ReadUser, "read_repository", "write_repository", "read_registry", "write_registry",
        "read_virtual_registry", "write_virtual_registry", "create_runner", "manage_runner", K8sProxy,
        Sudo, AdminMode, "ai_features", SelfRotate, "read_service_ping", Introspect, ReportLeaks,
    ];

    /// <summary>What <c>POST /user/personal_access_tokens</c> lets a user give a token it creates for itself.</summary>
    public static readonly IReadOnlyList<string> SelfServiceAllowed = [K8sProxy, SelfRotate];

    private static readonly HashSet<string> Known = new(All, StringComparer.Ordinal);

    public static bool IsKnown(string scope) => Known.Contains(scope);

    /// <summary>
    /// The scopes that grant what <paramref name="scope"/> grants, as GitLab's endpoints accept
    /// them: <c>api</c> wherever <c>read_api</c> is enough, <c>api</c> and <c>read_api</c> where
    /// <c>read_user</c> is, a write scope where its read scope is.
    /// </summary>
    public static IReadOnlyList<string> Satisfying(string scope) => scope switch
    {
        ReadApi => [Api, ReadApi],
        ReadUser => [Api, ReadApi, ReadUser],
        "read_repository" => ["read_repository", "write_repository"],
        "read_registry" => ["read_registry", "write_registry"],
        "read_virtual_registry" => ["read_virtual_registry", "write_virtual_registry"],
        _ => [scope],
    };

    /// <summary>Normalises a requested scope list: trimmed, de-duplicated, in the order given.</summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> scopes) =>
        scopes.Select(s => s.Trim()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
}
