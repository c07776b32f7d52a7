namespace Tokenward.LogAnalysis;

/// <summary>The fields of one failed-authentication line of <c>api_json.log</c> that the analysis uses.</summary>
public sealed class FailureLine
{
    public DateTime? Time { get; set; }

    public int Status { get; set; }

    public string? Method { get; set; }

    public string? Path { get; set; }

    public string? Route { get; set; }

    public string? RemoteIp { get; set; }

    public string? UserAgent { get; set; }

    /// <summary><c>meta.auth_fail_reason</c>; null for an unknown, malformed or missing token.</summary>
    public string? Reason { get; set; }

    /// <summary><c>meta.auth_fail_token_id</c>, e.g. <c>PersonalAccessToken/12</c>.</summary>
    public string? TokenId { get; set; }

    public string? TokenType { get; set; }

    public string? RequestedScopes { get; set; }

    /// <summary><c>meta.user</c> (GitLab 18.9+): the failing token's owner.</summary>
    public string? User { get; set; }

    public void Clear()
    {
        Time = null;
        Status = 0;
        Method = Path = Route = RemoteIp = UserAgent = Reason = TokenId = TokenType = RequestedScopes = User = null;
    }
}
