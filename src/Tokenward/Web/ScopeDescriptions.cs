namespace Tokenward.Web;

/// <summary>What GitLab's token form says under each scope's checkbox, word for word.</summary>
public static class ScopeDescriptions
{
    private static readonly Dictionary<string, string> Texts = new(StringComparer.Ordinal)
    {
        ["api"] = "Grants complete read/write access to the API, including all groups and projects, the container registry, the dependency proxy, and the package registry.",
        ["read_api"] = "Grants read access to the API, including all groups and projects, the container registry, and the package registry.",
        ["read_user"] = "Grants read-only access to your profile through the /user API endpoint, which includes username, public email, and full name. Also grants access to read-only API endpoints under /users.",
        ["read_repository"] = "Grants read-only access to repositories on private projects using Git-over-HTTP or the Repository Files API.",
        ["write_repository"] = "Grants read-write access to repositories on private projects using Git-over-HTTP (not using the API).",
        ["read_registry"] = "Grants read-only access to container registry images on private projects.",
        ["write_registry"] = "Grants write access to container registry images on private projects. You need both read and write access to push images.",
        ["read_virtual_registry"] = "Grants read-only access to container images through the dependency proxy in private projects.",
        ["write_virtual_registry"] = "Grants read, write, and delete access to container images through the dependency proxy in private projects.",
        ["create_runner"] = "Grants create access to the runners.",
        ["manage_runner"] = "Grants access to manage the runners.",
        ["k8s_proxy"] = "Grants permission to perform Kubernetes API calls using the agent for Kubernetes.",
        ["sudo"] = "Grants permission to perform API actions as any user in the system, when authenticated as an admin user.",
        ["admin_mode"] = "Grants permission to perform API actions as an administrator, when Admin Mode is enabled.",
        ["ai_features"] = "Grants access to GitLab Duo related API endpoints.",
        ["self_rotate"] = "Grants permission for token to rotate itself.",
        ["read_service_ping"] = "Grant access to download Service Ping payload via API when authenticated as an admin user.",
        ["introspect"] = "Tokenward: grants permission to check other tokens through POST /oauth/introspect (RFC 7662), for services that accept Tokenward tokens.",
        ["report_leaks"] = "Tokenward: grants permission to report token values found in the wild through POST /api/v4/token_leaks, which revokes them and tells their owners.",
    };

    /// <summary>Scopes only an administrator's token may carry (GitLab hides them from others).</summary>
    public static readonly IReadOnlyList<string> AdminOnly = [Scopes.Sudo, Scopes.AdminMode, "read_service_ping", Scopes.Introspect, Scopes.ReportLeaks];

    public static string Of(string scope) => Texts.GetValueOrDefault(scope, string.Empty);

    /// <summary>The checkboxes a user's form offers, in GitLab's documented order.</summary>
    public static IEnumerable<string> Offered(bool admin) => Scopes.All.Where(s => admin || !AdminOnly.Contains(s));
}
