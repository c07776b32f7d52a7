namespace Tokenward.ApiLog;

/// <summary>What the request's handling learned that belongs in its <c>api_json.log</c> line.</summary>
public sealed class ApiLogFacts
{
    public long? UserId { get; set; }

    public string? Username { get; set; }

    /// <summary>The token that authenticated the request (GitLab's top-level <c>token_id</c>, with <c>token_type</c>).</summary>
    public long? TokenId { get; set; }

    public string? AuthFailReason { get; set; }

    /// <summary><c>PersonalAccessToken/12</c>.</summary>
    public string? AuthFailTokenId { get; set; }

    /// <summary><c>PersonalAccessToken</c> for a found token, <c>unknown</c> otherwise.</summary>
    public string? AuthFailTokenType { get; set; }

    public string? AuthFailHeaderType { get; set; }

    public string? AuthFailRequestedScopes { get; set; }

    /// <summary>Owner of the failing token (GitLab 18.9+ logs it as <c>meta.user</c>).</summary>
    public string? AuthFailUser { get; set; }

    public static ApiLogFacts Of(HttpContext context)
    {
        var facts = context.Features.Get<ApiLogFacts>();
        if (facts is null)
        {
            facts = new ApiLogFacts();
            context.Features.Set(facts);
        }

        return facts;
    }
}
