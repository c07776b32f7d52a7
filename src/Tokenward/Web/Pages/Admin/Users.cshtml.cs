using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Tokenward.Core.Authentication;
using Tokenward.Storage;
using Tokenward.Users;

namespace Tokenward.Web.Pages.Admin;

/// <summary>GitLab's <c>/admin/users</c>: people (not bots), searchable, with their token counts; block and unblock.</summary>
public sealed class UsersModel(TokenwardDb db, TimeProvider clock) : PageModel
{
    public const int PageSize = 50;

    public sealed record Row(User User, int ActiveTokens);

    public List<Row> Rows { get; private set; } = [];

    public int PageNumber { get; private set; } = 1;

    public bool HasNext { get; private set; }

    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public Task<IActionResult> OnPostBlockAsync(long id, CancellationToken ct) => ChangeAsync(id, UserStates.Blocked, "user_blocked", "Blocked", ct);

    public Task<IActionResult> OnPostUnblockAsync(long id, CancellationToken ct) => ChangeAsync(id, UserStates.Active, "user_unblocked", "Unblocked", ct);

    private async Task<IActionResult> ChangeAsync(long id, string state, string eventName, string verb, CancellationToken ct)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id && u.UserType != UserTypes.ProjectBot, ct);
        if (user is null)
        {
            return NotFound();
        }

        if (user.Id == WebUser.Of(HttpContext).User.Id)
        {
            Message = "You cannot block yourself.";
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        }
        else
        {
            await UsersEndpoints.ChangeStateAsync(HttpContext.RequestServices, user, state, eventName, ct);
            Message = $"{verb} {user.Username}.";
        }

        await LoadAsync(ct);
        return Page();
    }

    public string? Q(string key) => WebQuery.Text(Request, key);

    public string PageUrl(int page) => WebQuery.Link(Request, ("page", page.ToString(CultureInfo.InvariantCulture)));

    private async Task LoadAsync(CancellationToken ct)
    {
        var today = TokenStates.Today(clock);
        var users = db.Users.Where(u => u.UserType != UserTypes.ProjectBot);
        if (Q("search") is { } search)
        {
            var part = search.ToLowerInvariant();
            users = users.Where(u => u.Username.ToLower().Contains(part) || u.Email.ToLower().Contains(part) || u.Name.ToLower().Contains(part));
        }

        if (Q("state") is { } state)
        {
            users = users.Where(u => u.State == state);
        }

        PageNumber = WebQuery.PageNumber(Request);
        var rows = await users.OrderBy(u => u.Id).Skip((PageNumber - 1) * PageSize).Take(PageSize + 1)
            .Select(u => new Row(u, db.PersonalAccessTokens.Count(t => t.UserId == u.Id && !t.Revoked && (t.ExpiresAt == null || t.ExpiresAt > today))))
            .ToListAsync(ct);
        HasNext = rows.Count > PageSize;
        Rows = rows.Take(PageSize).ToList();
    }
}
