using System.Collections.Concurrent;

namespace Tokenward.Core.Tokens;

/// <summary>
/// A value made once per distinct text and then shared: a report repeats a few dozen scope lists
/// over a hundred thousand rows. Bounded, so odd data cannot make it grow without end.
/// </summary>
public sealed class PerText<T>(Func<string, T> make)
{
    private const int Limit = 4096;

    private readonly ConcurrentDictionary<string, T> _known = new(StringComparer.Ordinal);

    public T Get(string text)
    {
        if (_known.TryGetValue(text, out var known))
        {
            return known;
        }

        var made = make(text);
        if (_known.Count < Limit)
        {
            _known.TryAdd(text, made);
        }

        return made;
    }
}
