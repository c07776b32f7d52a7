namespace Tokenward.Api;

/// <summary>
/// A refusal with GitLab's status and body. Thrown anywhere below an endpoint and turned into the
/// response by <see cref="ApiExceptionMiddleware"/>, the one place that maps failures to HTTP.
/// </summary>
public sealed class ApiException(int status, object body, string logMessage) : Exception(logMessage)
{
    public int Status { get; } = status;

    public object Body { get; } = body;

    /// <summary>Headers that belong to this refusal, such as <c>WWW-Authenticate</c>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; private init; } = new Dictionary<string, string>();

    /// <summary>401 <c>invalid_token</c> with its <c>WWW-Authenticate</c> header, as GitLab's OAuth-style guard answers.</summary>
    public static ApiException InvalidToken(string description) => new(
        StatusCodes.Status401Unauthorized,
        new Dictionary<string, object> { ["error"] = "invalid_token", ["error_description"] = description },
        description)
    {
        Headers = new Dictionary<string, string>
        {
            ["WWW-Authenticate"] = $"Bearer realm=\"Protected by OAuth 2.0\", error=\"invalid_token\", error_description=\"{description}\"",
        },
    };

    /// <summary>403 <c>insufficient_scope</c> naming the scopes that would have been enough.</summary>
    public static ApiException InsufficientScope(IEnumerable<string> enough) => new(
        StatusCodes.Status403Forbidden,
        new Dictionary<string, object>
        {
            ["error"] = "insufficient_scope",
            ["error_description"] = "The request requires higher privileges than provided by the access token.",
            ["scope"] = string.Join(' ', enough),
        },
        "insufficient_scope");

    /// <summary>400 <c>{"error":"name is missing"}</c>: a parameter is missing or malformed.</summary>
    public static ApiException InvalidParameter(string error) =>
        new(StatusCodes.Status400BadRequest, new Dictionary<string, object> { ["error"] = error }, error);

    /// <summary>400 <c>{"message":{"expires_at":["..."]}}</c>: a value is well formed but not allowed.</summary>
    public static ApiException Invalid(string field, string problem) => new(
        StatusCodes.Status400BadRequest,
        new Dictionary<string, object> { ["message"] = new Dictionary<string, string[]> { [field] = [problem] } },
        $"{field} {problem}");

    /// <summary>400 <c>{"message":"400 Bad request - ..."}</c>.</summary>
    public static ApiException BadRequest(string? detail = null) => WithMessage(
        StatusCodes.Status400BadRequest, detail is null ? "400 Bad request" : $"400 Bad request - {detail}");

    public static ApiException Unauthorized() => WithMessage(StatusCodes.Status401Unauthorized, "401 Unauthorized");

    public static ApiException Forbidden(string? detail = null) => WithMessage(
        StatusCodes.Status403Forbidden, detail is null ? "403 Forbidden" : $"403 Forbidden - {detail}");

    /// <summary>404 <c>{"message":"404 User Not Found"}</c>, or <c>404 Not found</c> without a subject.</summary>
    public static ApiException NotFound(string? what = null) => WithMessage(
        StatusCodes.Status404NotFound, what is null ? "404 Not found" : $"404 {what} Not Found");

    /// <summary>403 in plain text, as GitLab's Rack::Attack refuses a banned address.</summary>
    public static ApiException Banned() => new(
        StatusCodes.Status403Forbidden, "Too many failed authentication attempts from this IP", "address banned");

    public static ApiException MethodNotAllowed() =>
        new(StatusCodes.Status405MethodNotAllowed, new Dictionary<string, object> { ["error"] = "405 Not Allowed" }, "405 Not Allowed");

    /// <summary>GitLab's bare <c>not_found!</c>: <c>404 Not Found</c> (ActiveRecord's is <c>404 Not found</c>).</summary>
    public static ApiException NotFoundUnnamed() => WithMessage(StatusCodes.Status404NotFound, "404 Not Found");

    /// <summary>No route matched: GitLab's catch-all route answers <c>{"error":"404 Not Found"}</c>.</summary>
    public static ApiException RouteNotFound() =>
        new(StatusCodes.Status404NotFound, new Dictionary<string, object> { ["error"] = "404 Not Found" }, "404 Not Found");

    /// <summary>412 <c>{"message":"412 Precondition Failed"}</c>: <c>If-Unmodified-Since</c> is older than the resource.</summary>
    public static ApiException PreconditionFailed() => WithMessage(StatusCodes.Status412PreconditionFailed, "412 Precondition Failed");

    /// <summary>503 with <c>Retry-After</c>: the database cannot answer now; the request may be retried as it is.</summary>
    public static ApiException ServiceUnavailable() => new(
        StatusCodes.Status503ServiceUnavailable,
        new Dictionary<string, object> { ["message"] = "503 Service Unavailable - the database is unavailable, retry later" },
        "database unavailable")
    {
        Headers = new Dictionary<string, string> { ["Retry-After"] = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };

    public const int RetryAfterSeconds = 5;

    public static ApiException Conflict(string message) => WithMessage(StatusCodes.Status409Conflict, message);

    private static ApiException WithMessage(int status, string message) =>
        new(status, new Dictionary<string, object> { ["message"] = message }, message);
}
