namespace Tokenward.Toolkit;

/// <summary>
/// What report rows say of their owners (name, email, state, resource), read from the first row
/// of each owner and resource and shared by the rest: a report of a hundred thousand tokens has
/// about twenty thousand owners, so most rows read five columns and make five strings fewer.
/// </summary>
public sealed class ReportOwners
{
    /// <summary>Owners remembered at most; past that the memory starts over.</summary>
    private const int Max = 50_000;

    /// <summary>By user and resource: a group and a project can have the same id, so the type is part of the key.</summary>
    private readonly Dictionary<(long User, string? ResourceType, long Resource), Owner> _known = [];

    public bool TryGet(long userId, string? resourceType, long? resourceId, out Owner owner) =>
        _known.TryGetValue((userId, resourceType, resourceId ?? -1), out owner!);

    public Owner Add(long userId, Owner owner)
    {
        if (_known.Count >= Max)
        {
            _known.Clear();
        }

        _known[(userId, owner.ResourceType, owner.ResourceId ?? -1)] = owner;
        return owner;
    }

    public sealed record Owner(string Username, string? Email, string State, string? ResourceType, long? ResourceId, string? ResourcePath);
}
