using Tokenward.Storage;

namespace Tokenward.Web;

/// <summary>
/// Who is using the web UI in this request, read fresh from the database: a blocked user's or a
/// revoked token's session ends at the next click.
/// </summary>
/// <param name="CanWrite">Signed in with a password, or with a token that has the <c>api</c> scope: a
/// <c>read_user</c> token's session may look but not change (it must not mint itself an <c>api</c> token).</param>
/// <param name="IsAdmin">An admin, and with admin mode on, signed in with a password or an <c>admin_mode</c> token.</param>
public sealed record WebUser(User User, string Method, long? TokenId, bool CanWrite, bool IsAdmin)
{
    public static WebUser Of(HttpContext context) =>
        context.Features.Get<WebUser>() ?? throw new InvalidOperationException("The web session has not been read for this request.");
}
