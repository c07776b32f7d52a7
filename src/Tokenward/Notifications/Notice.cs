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

    public bool IsExpiry => Name == "expired";

    public bool IsLeak => Name == Leaked.Name;

    /// <exception cref="InvalidOperationException">for a name no notice has.</exception>
    public static Notice Of(string name) => name == Leaked.Name ? Leaked : All.First(n => n.Name == name);

    /// <summary>A count per notice, for what a run sent.</summary>
    public static Dictionary<string, int> Counts() => All.Append(Leaked).ToDictionary(n => n.Name, _ => 0);
}
