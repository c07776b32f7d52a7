using System.Text.Json.Serialization;
using Tokenward.Storage;

namespace Tokenward.Users;

/// <summary>
/// A user as GitLab's API shows it. Everyone sees the basic fields; the user themself and admins
/// also see <c>created_at</c> and <c>email</c>; admins also <c>is_admin</c>.
/// </summary>
public sealed record UserJson(
    long Id,
    string Username,
    string Name,
    string State,
    bool Locked,
    string? AvatarUrl,
    string WebUrl)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTime? CreatedAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Bot { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Email { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? IsAdmin { get; init; }

    public static UserJson From(User u, HttpRequest request, Authentication.CurrentRequest viewing)
    {
        // GitLab's access_locked?: the web UI's account lock after too many wrong passwords.
        var locked = Web.SignInLockout.IsLocked(u, request.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
        var basic = new UserJson(u.Id, u.Username, u.Name, u.State, locked, null, $"{Hosting.ExternalUrl.Of(request)}/{Uri.EscapeDataString(u.Username)}");
        if (viewing.User is not { } viewer)
        {
            return basic;
        }

        var detailed = basic with { CreatedAt = u.CreatedAt, Bot = u.IsBot };
        if (viewing.IsAdmin)
        {
            return detailed with { Email = u.Email, IsAdmin = u.Admin };
        }

        return viewer.Id == u.Id ? detailed with { Email = u.Email } : detailed;
    }
}
