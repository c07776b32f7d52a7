namespace Tokenward.Core.Tokens;

/// <summary>
/// The kinds' names, as the reports, their JSON and CSV, the CLI's <c>--kind</c> and the SQL print
/// them, and the one rule that tells them apart.
/// </summary>
public static class TokenKinds
{
    public const string Personal = "personal";
    public const string Impersonation = "impersonation";
    public const string Project = "project";
    public const string Group = "group";

    /// <summary>Every kind's name, in <see cref="TokenKind"/>'s order.</summary>
    public static readonly IReadOnlyList<string> All = [.. Enum.GetValues<TokenKind>().Select(Name)];

    public static string Name(this TokenKind kind) => kind switch
    {
        TokenKind.Personal => Personal,
        TokenKind.Impersonation => Impersonation,
        TokenKind.Project => Project,
        TokenKind.Group => Group,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static TokenKind? Parse(string name) => name switch
    {
        Personal => TokenKind.Personal,
        Impersonation => TokenKind.Impersonation,
        Project => TokenKind.Project,
        Group => TokenKind.Group,
        _ => null,
    };

    /// <summary>
    /// The rule: an impersonation token is one whoever holds it; a human's other tokens are
    /// personal; a bot's are its membership's resource (a bot without one holds no usable token).
    /// The storage's queries (<c>TokenRows</c>, <c>ReportSql</c>) write it in their own language;
    /// tests hold them to this.
    /// </summary>
    public static TokenKind Of(bool impersonation, bool ownerIsBot, TokenKind? botResource) =>
        impersonation ? TokenKind.Impersonation
        : !ownerIsBot ? TokenKind.Personal
        : botResource ?? TokenKind.Group;
}
