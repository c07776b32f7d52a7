using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Tokenward.Api;
using Tokenward.Authentication;
using Tokenward.Core.Authorization;
using Tokenward.Members;
using Tokenward.PersonalAccessTokens;
using Tokenward.ResourceAccessTokens;

namespace Tokenward.Web.Pages.Resources;

/// <summary>
/// A project's or group's access tokens at GitLab's paths (<c>/group/project/-/settings/access_tokens</c>,
/// <c>/groups/group/-/settings/access_tokens</c>, rewritten here by <see cref="WebUi.UseWebUiRewrites"/>),
/// for those the API lets manage them: a project's Maintainers and Owners, a group's Owners, admins.
/// Anyone else gets GitLab's answer, a 404.
/// </summary>
public sealed class AccessTokensModel(Access access, ResourceAccessTokenService service, PersonalAccessTokenService tokens, TimeProvider clock) : PageModel
{
    public static readonly IReadOnlyDictionary<int, string> Roles = new Dictionary<int, string>
    {
        [AccessLevels.Guest] = "Guest",
        [AccessLevels.Planner] = "Planner",
        [AccessLevels.Reporter] = "Reporter",
        [AccessLevels.Developer] = "Developer",
        [AccessLevels.Maintainer] = "Maintainer",
        [AccessLevels.Owner] = "Owner",
    };

    public ResourceRef Resource { get; private set; } = null!;

    /// <summary>The GitLab path the page is shown at, for its links and forms.</summary>
    public string PagePath { get; private set; } = string.Empty;

    public string FullPath { get; private set; } = string.Empty;

    public DateOnly Today { get; private set; }

    public List<TokenWithLevel> Tokens { get; private set; } = [];

    public WebUser Viewer { get; private set; } = null!;

    public CreatedToken? Created { get; private set; }

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public (string Action, TokenWithLevel Token)? Confirm { get; private set; }

    /// <summary>The roles the viewer may give a token: none above their own.</summary>
    public IEnumerable<KeyValuePair<int, string>> Grantable =>
        Roles.Where(r => CurrentRequest.Of(HttpContext).IsAdmin || AccessLevels.Encompasses(Resource.CallerLevel, r.Key));

    public async Task<IActionResult> OnGetAsync(string? path, string? confirm, long? id, CancellationToken ct)
    {
        if (!await LoadAsync(path, ct))
        {
            return NotFound();
        }

        if (confirm is "revoke" or "rotate" && id is { } tokenId)
        {
            if (Tokens.FirstOrDefault(t => t.Token.Id == tokenId && !t.Token.Revoked) is not { } token)
            {
                return NotFound();
            }

            Confirm = (confirm, token);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(string? path, CancellationToken ct)
    {
        if (!await LoadAsync(path, ct))
        {
            return NotFound();
        }

        if (!Viewer.CanWrite)
        {
            return Refused(LookOnly, StatusCodes.Status403Forbidden);
        }

        var form = Request.Form;
        var scopes = form["scopes[]"].Select(s => s ?? string.Empty).ToList();
        if (scopes.FirstOrDefault(s => !ResourceTokenScopes.IsAllowed(s)) is { } bad)
        {
            return Refused($"Scope '{bad}' cannot be given to a {Resource.Kind} access token.");
        }

        if (!int.TryParse(form["access_level"], NumberStyles.None, CultureInfo.InvariantCulture, out var level) || !Grantable.Any(r => r.Key == level))
        {
            return Refused("Choose a role you hold yourself.");
        }

        DateOnly? expiresAt = null;
        if (form["expires_at"].ToString() is { Length: > 0 } text)
        {
            if (WebQuery.Date(text) is not { } date)
            {
                return Refused("Expiration date must be a date (YYYY-MM-DD).");
            }

            expiresAt = date;
        }

        try
        {
            var (token, plaintext) = await service.CreateAsync(Resource, new NewToken(0, form["name"].ToString(), scopes, expiresAt, form["description"].ToString()), level, ct);
            Created = new(Resource.Kind, token.Name, plaintext, token.ExpiresAt);
        }
        catch (TokenValidationException e)
        {
            return Refused(WebQuery.Sentence(e));
        }

        await LoadAsync(path, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string? path, long id, CancellationToken ct)
    {
        var (refusal, found) = await ChangeableAsync(path, id, ct);
        if (found is null)
        {
            return refusal!;
        }

        Message = await tokens.RevokeAsync(found.Token.Id, ct) ? $"Revoked the token '{found.Token.Name}'." : $"The token '{found.Token.Name}' was already revoked.";
        await LoadAsync(path, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRotateAsync(string? path, long id, CancellationToken ct)
    {
        var (refusal, found) = await ChangeableAsync(path, id, ct);
        if (found is null)
        {
            return refusal!;
        }

        if (!MayRotate(found))
        {
            // The API's rule: the new value would hand the caller a role they do not hold.
            return Refused("Not eligible to rotate token with access level higher than the user.");
        }

        try
        {
            var (token, plaintext) = await tokens.RotateAsync(found.Token.Id, null, ct);
            Created = new(Resource.Kind, token.Name, plaintext, token.ExpiresAt);
        }
        catch (TokenAlreadyRevokedException)
        {
            return Refused($"The token '{found.Token.Name}' is already revoked; it cannot be rotated.");
        }
        catch (TokenValidationException e)
        {
            return Refused(WebQuery.Sentence(e));
        }

        await LoadAsync(path, ct);
        return Page();
    }

    /// <summary>The resource's token to revoke or rotate, or the answer instead: 404 for an unknown one, 403 for a look-only session.</summary>
    private async Task<(IActionResult? Refusal, TokenWithLevel? Token)> ChangeableAsync(string? path, long id, CancellationToken ct) =>
        !await LoadAsync(path, ct) || Tokens.FirstOrDefault(t => t.Token.Id == id) is not { } found ? (NotFound(), null)
        : !Viewer.CanWrite ? (Refused(LookOnly, StatusCodes.Status403Forbidden), null)
        : (null, found);

    private const string LookOnly = "This session can look, not change: sign in with a password or an api token.";

    /// <summary>Whether the viewer holds every permission of the token's role (rotating shows its new value).</summary>
    public bool MayRotate(TokenWithLevel token) =>
        CurrentRequest.Of(HttpContext).IsAdmin || AccessLevels.Encompasses(Resource.CallerLevel, token.AccessLevel);

    private PageResult Refused(string message, int status = StatusCodes.Status422UnprocessableEntity)
    {
        Error = message;
        Response.StatusCode = status;
        return Page();
    }

    /// <returns>The resource the viewer can see, or null (none there, or not theirs to see).</returns>
    private async Task<ResourceRef?> ResolveAsync(string kind, string path, CurrentRequest current, CancellationToken ct)
    {
        try
        {
            return await ResourceRef.ResolveAsync(kind, path, current, access, ct);
        }
        catch (ApiException)
        {
            return null;
        }
    }

    /// <returns>false when the resource does not exist or the viewer may not manage its tokens (both a 404).</returns>
    private async Task<bool> LoadAsync(string? path, CancellationToken ct)
    {
        Viewer = WebUser.Of(HttpContext);
        Today = TokenStates.Today(clock);
        if (string.IsNullOrWhiteSpace(path))
        {
            return false;
        }

        var current = CurrentRequest.Of(HttpContext);
        var isGroupPath = path.StartsWith("groups/", StringComparison.Ordinal);
        var resourcePath = isGroupPath ? path["groups/".Length..] : path;
        // A path names a project or a group, never both (GitLab keeps them apart): a project's, else a group's.
        var resource = (isGroupPath ? null : await ResolveAsync("projects", resourcePath, current, ct))
            ?? await ResolveAsync("groups", resourcePath, current, ct);
        if (resource is null)
        {
            return false;
        }

        Resource = resource;

        if (!current.IsAdmin && Resource.CallerLevel < Resource.ManageLevel)
        {
            return false;
        }

        FullPath = resourcePath;
        PagePath = $"/{(Resource.Kind == "group" ? "groups/" : string.Empty)}{resourcePath}/-/settings/access_tokens";
        Tokens = await service.TokensOf(Resource).OrderByDescending(t => t.Token.Id).ToListAsync(ct);
        return true;
    }
}
