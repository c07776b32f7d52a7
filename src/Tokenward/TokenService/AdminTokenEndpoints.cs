using Tokenward.Api;
using Tokenward.PersonalAccessTokens;

namespace Tokenward.TokenService;

/// <summary>
/// GitLab's <c>POST /admin/token</c> and <c>DELETE /admin/token</c>: an administrator holding a
/// token value (found in a paste, a log, a repository) learns whose it is, or revokes it, without
/// knowing its id. Tokenward issues one type of token (personal, impersonation, project and group
/// access tokens alike); a value of any other shape is GitLab's 422, one of ours that matches
/// nothing its 404.
/// </summary>
public static class AdminTokenEndpoints
{
    /// <summary>The <c>revocation_source</c> of the audit event, as GitLab's.</summary>
    public const string Source = "api_admin_token";

    /// <summary>The prefixes of the GitLab tokens that are not access tokens (GitLab's documented list).</summary>
    private static readonly string[] OtherGitLabPrefixes = ["gldt-", "glft-", "gloas-", "glagent-", "glrt-", "GR1348941", "glptt-", "glcbt-", "glffct-", "glimt-", "_gitlab_session="];

    public static void Map(IEndpointRouteBuilder v4)
    {
        v4.MapPost("/admin/token", async (HttpContext context, TokenByValue tokens, TimeProvider clock, CancellationToken ct) =>
            Results.Ok(TokenJson.From((await FindAsync(context, tokens, ct)).Token, TokenStates.Today(clock))))
            .AdminOnly(ApiAccess.Write);

        v4.MapDelete("/admin/token", async (HttpContext context, TokenByValue tokens, PersonalAccessTokenService service, CancellationToken ct) =>
        {
            var found = await FindAsync(context, tokens, ct);
            await service.RevokeAsync(found.Token.Id, Source, ct);
            return Results.NoContent();
        })
        .AdminOnly(ApiAccess.Write);
    }

    private static async Task<FoundToken> FindAsync(HttpContext context, TokenByValue tokens, CancellationToken ct)
    {
        var value = (await ApiParams.ReadAsync(context)).RequiredString("token").Trim();
        var format = context.RequestServices.GetRequiredService<TokenFormat>();
        if (await tokens.FindAsync(value, ct) is { } found)
        {
            return found;
        }

        // Ours by its prefix, or a value set explicitly (which has none): either way not found.
        // GitLab's other kinds of token (deploy, runner, feed, OAuth application, ...), and what is
        // no token at all, Tokenward does not issue.
        var otherKind = OtherGitLabPrefixes.Any(p => value.StartsWith(p, StringComparison.Ordinal));
        throw !otherKind && (value.StartsWith(format.Prefix, StringComparison.Ordinal) || TokenFormat.ValidateExplicit(value) is null)
            ? new ApiException(StatusCodes.Status404NotFound, new Dictionary<string, object> { ["message"] = new Dictionary<string, string> { ["error"] = "Not found" } }, "token not found")
            : new ApiException(StatusCodes.Status422UnprocessableEntity, new Dictionary<string, object> { ["message"] = "Token type not supported." }, "token type not supported");
    }
}
