namespace Tokenward.Notifications;

/// <summary>One of the expiry notices: due while the days left are in (<see cref="After"/>, <see cref="UpTo"/>].</summary>
public sealed record Notice(string Name, int UpTo, int After)
{
    /// <summary>60, 30 and 7 days before, and on expiry (for 30 days after, so a late start still tells).</summary>
    public static readonly IReadOnlyList<Notice> All =
    [
        new("60d", 60, 30),
        new("30d", 30, 7),
        new("7d", 7, 0),
        new("expired", 0, -30),
    ];

    /// <summary>Not an expiry notice: the token was found in the wild and revoked (<see cref="TokenService.LeakReports"/>), sent once, with where it was found.</summary>
    public static readonly Notice Leaked = new("leaked", int.MinValue, int.MinValue);

    /// <summary>
    /// An expiry cliff ahead (<see cref="CliffNotices"/>), told to admins once per cliff and notice:
    /// due while the cliff's days left are in (<see cref="After"/>, <see cref="UpTo"/>].
    /// </summary>
    public static readonly IReadOnlyList<Notice> Cliffs =
    [
        new("cliff_60d", 60, 30),
        new("cliff_30d", 30, 7),
        new("cliff_7d", 7, 0),
    ];

    public bool IsExpiry => Name == "expired";

    public bool IsCliff => Name.StartsWith("cliff_", StringComparison.Ordinal);

    public bool IsLeak => Name == Leaked.Name;

    /// <exception cref="InvalidOperationException">for a name no notice has.</exception>
    public static Notice Of(string name) => name == Leaked.Name ? Leaked : All.Concat(Cliffs).First(n => n.Name == name);

    /// <summary>A count per notice, for what a run sent.</summary>
    public static Dictionary<string, int> Counts() => All.Append(Leaked).Concat(Cliffs).ToDictionary(n => n.Name, _ => 0);
}
