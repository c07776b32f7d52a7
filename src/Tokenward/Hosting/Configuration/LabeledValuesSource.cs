
namespace Tokenward.Hosting;

/// <summary>Values given in code (the command line's options, or a test's environment), with the name of where they came from.</summary>
public sealed class LabeledValuesSource(string kind, IReadOnlyDictionary<string, string?> values) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(kind, values);

    public sealed class Provider(string kind, IReadOnlyDictionary<string, string?> values) : ConfigurationProvider
    {
        public string Kind { get; } = kind;

        public override void Load() =>
            Data = values.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => v.Value, StringComparer.OrdinalIgnoreCase);
    }
}
