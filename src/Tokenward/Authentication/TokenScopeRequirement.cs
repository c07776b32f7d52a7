using Microsoft.AspNetCore.Authorization;

namespace Tokenward.Authentication;

/// <summary>
/// An endpoint's scopes: the caller's token must carry one of them; without a token, only an
/// endpoint open to anonymous callers is served. A presented token that was refused ends the
/// request whatever the endpoint allows.
/// </summary>
public sealed record TokenScopeRequirement(IReadOnlyList<string> AcceptedScopes, bool Anonymous) : IAuthorizationRequirement;
