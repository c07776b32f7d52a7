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

    public bool IsExpiry => UpTo == 0;
}
