namespace Tokenward.Toolkit;

/// <summary>What <see cref="PolicyPreview"/> found.</summary>
/// <param name="Latest">The latest expiry a token rotated today may get under <paramref name="Proposed"/>.</param>
/// <param name="RotationExpiry">What a rotation that asks for no date gives today under <paramref name="Proposed"/> (null: no expiry).</param>
/// <param name="Shortened">Per kind: tokens whose expiry is past <paramref name="Latest"/>.</param>
/// <param name="GetExpiry">Per kind: tokens without an expiry that would get one.</param>
public sealed record PolicyPreviewResult(
    TokenPolicy Current,
    TokenPolicy Proposed,
    DateOnly Today,
    DateOnly Latest,
    DateOnly? RotationExpiry,
    IReadOnlyDictionary<string, int> Shortened,
    IReadOnlyDictionary<string, int> GetExpiry,
    IReadOnlyList<PolicyPreviewOwner> Owners)
{
    public int Affected => Shortened.Values.Sum() + GetExpiry.Values.Sum();
}

/// <summary>One owner's tokens of one kind that the policy would change at rotation.</summary>
/// <param name="Owner">The username, or for a project or group token its resource (<c>project group/app</c>).</param>
/// <param name="EarliestExpiry">The first of the shortened tokens to expire: the latest day its rotation (and the shorter date) comes.</param>
public sealed record PolicyPreviewOwner(string Owner, string Kind, long UserId, int Shortened, int GetExpiry, DateOnly? EarliestExpiry);
