using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Tokenward.PersonalAccessTokens;
using Tokenward.Settings;
using Tokenward.Storage;

namespace Tokenward.Web.Pages.UserSettings;

/// <summary>
/// GitLab's <c>/-/user_settings/personal_access_tokens</c>, with what GitLab's page lacks: expired
/// and revoked tokens stay in view under their own tabs, and tokens about to expire stand out.
/// </summary>
public sealed class PersonalAccessTokensModel(TokenwardDb db, PersonalAccessTokenService tokens, ApplicationSettings settings, TimeProvider clock) : PageModel
{
    public static readonly string[] Tabs = ["active", "expiring", "expired", "revoked"];

    public string Tab { get; private set; } = "active";

    public DateOnly Today { get; private set; }

    public TokenPolicy Policy { get; private set; } = new(false, TokenPolicy.MaxLifetimeCeiling);

    public WebUser Viewer { get; private set; } = null!;

    public List<PersonalAccessToken> All { get; private set; } = [];

    public IEnumerable<PersonalAccessToken> Shown => All.Where(t => In(t, Tab));

    public int Count(string tab) => All.Count(t => In(t, tab));

    /// <summary>The token just made or rotated, shown this once.</summary>
    public CreatedToken? Created { get; private set; }

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    /// <summary>The token a rotate or revoke asks about before it happens.</summary>
    public (string Action, PersonalAccessToken Token)? Confirm { get; private set; }

    public FormValues Form { get; private set; } = new();

    public sealed record FormValues(string Name = "", string Description = "", string ExpiresAt = "", IReadOnlyCollection<string>? Scopes = null);

    public async Task<IActionResult> OnGetAsync(string? tab, string? confirm, long? id, CancellationToken ct)
    {
        await LoadAsync(tab, ct);
        Form = Form with { ExpiresAt = DefaultExpiry() };
        if (confirm is "revoke" or "rotate" && id is { } tokenId)
        {
            var token = All.FirstOrDefault(t => t.Id == tokenId && !t.Revoked);
            if (token is null)
            {
                return NotFound();
            }

            Confirm = (confirm, token);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        await LoadAsync(Request.Query["tab"], ct);
        var form = Request.Form;
        Form = new FormValues(form["name"].ToString(), form["description"].ToString(), form["expires_at"].ToString(), form["scopes[]"].Select(s => s ?? string.Empty).ToList());
        if (!Viewer.CanWrite)
        {
            return ReadOnly();
        }

        DateOnly? expiresAt = null;
        if (Form.ExpiresAt.Length > 0)
        {
            if (WebQuery.Date(Form.ExpiresAt) is not { } date)
            {
                return Invalid("Expiration date must be a date (YYYY-MM-DD).");
            }

            expiresAt = date;
        }

        var offered = Offered.ToHashSet(StringComparer.Ordinal);
        if (Form.Scopes!.FirstOrDefault(s => !offered.Contains(s)) is { } unknown)
        {
            return Invalid($"Scope '{unknown}' cannot be given here.");
        }

        try
        {
            var (token, plaintext) = await tokens.CreateAsync(new NewToken(Viewer.User.Id, Form.Name, Form.Scopes!.ToList(), expiresAt, Form.Description), ct);
            Created = new("personal", token.Name, plaintext, token.ExpiresAt);
            Form = new FormValues(ExpiresAt: DefaultExpiry());
        }
        catch (TokenValidationException e)
        {
            return Invalid(WebQuery.Sentence(e));
        }

        await LoadAsync(Tab, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(long id, CancellationToken ct)
    {
        var (refusal, token) = await ChangeableAsync(id, ct);
        if (token is null)
        {
            return refusal!;
        }

        Message = await tokens.RevokeAsync(token.Id, ct) ? $"Revoked the token '{token.Name}'." : $"The token '{token.Name}' was already revoked.";
        Form = Form with { ExpiresAt = DefaultExpiry() };
        await LoadAsync(Tab, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRotateAsync(long id, CancellationToken ct)
    {
        var (refusal, token) = await ChangeableAsync(id, ct);
        if (token is null)
        {
            return refusal!;
        }

        Form = Form with { ExpiresAt = DefaultExpiry() };
        try
        {
            var (successor, plaintext) = await tokens.RotateAsync(token.Id, null, ct);
            Created = new("personal", successor.Name, plaintext, successor.ExpiresAt);
        }
        catch (TokenAlreadyRevokedException)
        {
            Error = $"The token '{token.Name}' is already revoked; it cannot be rotated.";
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        }
        catch (TokenValidationException e)
        {
            return Invalid(WebQuery.Sentence(e));
        }

        await LoadAsync(Tab, ct);
        return Page();
    }

    /// <summary>
    /// The scopes this session may give a new token. A session opened with a token may give what
    /// that token could through the API (<c>POST /user/personal_access_tokens</c>: k8s_proxy and
    /// self_rotate), so a leaked token cannot mint itself a successor that outlives its
    /// revocation; admin-only scopes only to a session acting as an admin.
    /// </summary>
    public IEnumerable<string> Offered => Viewer.Method == WebSession.TokenMethod
        ? Scopes.SelfServiceAllowed
        : ScopeDescriptions.Offered(Viewer.IsAdmin);

    /// <summary>The expiry the form proposes: GitLab's 30 days, within the maximum lifetime.</summary>
    public string DefaultExpiry() =>
        Today.AddDays(Math.Min(30, Policy.MaxPersonalAccessTokenLifetime)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public string LatestExpiry() => Today.AddDays(Policy.MaxPersonalAccessTokenLifetime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public bool In(PersonalAccessToken t, string tab)
    {
        var state = TokenStates.Of(t.Revoked, t.ExpiresAt, Today);
        return tab switch
        {
            "active" => state == TokenState.Active,
            "expiring" => state == TokenState.Active && Show.DaysLeft(t.ExpiresAt, Today) <= Show.ExpiringWithinDays,
            "expired" => state == TokenState.Expired,
            _ => state == TokenState.Revoked,
        };
    }

    /// <summary>The viewer's own token to revoke or rotate, or the answer instead: 404 for anyone else's, 403 for a look-only session.</summary>
    private async Task<(IActionResult? Refusal, PersonalAccessToken? Token)> ChangeableAsync(long id, CancellationToken ct)
    {
        await LoadAsync(Request.Query["tab"], ct);
        return All.FirstOrDefault(t => t.Id == id) is not { } token ? (NotFound(), null)
            : !Viewer.CanWrite ? (ReadOnly(), null)
            : (null, token);
    }

    private PageResult Invalid(string message)
    {
        Error = message;
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Page();
    }

    private PageResult ReadOnly()
    {
        Error = "This session was opened with a read_user token: it can look, not change. Sign in with a password or an api token to change tokens.";
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Page();
    }

    private async Task LoadAsync(string? tab, CancellationToken ct)
    {
        Viewer = WebUser.Of(HttpContext);
        Tab = Tabs.Contains(tab) ? tab! : "active";
        Today = TokenStates.Today(clock);
        Policy = await settings.PolicyAsync(ct);
        // A person's own tokens are few: all of them, then each tab in memory with the one state rule.
        All = await db.PersonalAccessTokens
            .Where(t => t.UserId == Viewer.User.Id && !t.Impersonation)
            .OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id)
            .ToListAsync(ct);
    }
}
