using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace Tokenward.Hosting;

/// <summary>
/// Where settings come from, later wins: <c>tokenward.json</c> (by <c>--config</c> or
/// <c>TOKENWARD_CONFIG</c>), then <c>TOKENWARD_*</c> environment variables, then command-line
/// options. An empty value is no value, wherever it is given.
/// </summary>
public sealed class TokenwardConfiguration
{
    public const string ConfigVariable = "TOKENWARD_CONFIG";

    private readonly IConfigurationRoot _root;

    private TokenwardConfiguration(IConfigurationRoot root, string? file)
    {
        _root = root;
        File = file;
    }

    /// <summary>The configuration file read, if any.</summary>
    public string? File { get; }

    /// <param name="configFile"><c>--config</c>; else <c>TOKENWARD_CONFIG</c>; else none.</param>
    /// <param name="options">Command-line values by setting.</param>
    /// <param name="environment">The environment (tests pass their own); the process's when null.</param>
    /// <exception cref="SettingsException">when the file is missing or not JSON.</exception>
    public static TokenwardConfiguration Build(string? configFile, IReadOnlyDictionary<Setting, string?> options, Func<string, string?>? environment = null)
    {
        var variables = environment ?? Environment.GetEnvironmentVariable;
        var file = configFile ?? (variables(ConfigVariable) is { Length: > 0 } f ? f : null);
        var builder = new ConfigurationBuilder();
        if (file is not null)
        {
            file = Path.GetFullPath(file);
            if (!System.IO.File.Exists(file))
            {
                throw new SettingsException($"the configuration file {file} does not exist.");
            }

            builder.AddJsonFile(file, optional: false, reloadOnChange: false);
        }

        if (environment is null)
        {
            builder.AddEnvironmentVariables(Setting.VariablePrefix);
        }
        else
        {
            builder.Add(new LabeledValuesSource("environment", SettingsCatalog.All.ToDictionary(s => s.Key, s => environment(s.Variable))));
        }

        builder.Add(new LabeledValuesSource("option", options.ToDictionary(o => o.Key.Key, o => o.Value)));
        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"the configuration file {file}: {(e.InnerException ?? e).Message}");
        }

        // A mistyped key would otherwise fall back to its default without a word.
        var known = SettingsCatalog.All.Select(s => s.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (root.Providers.OfType<JsonConfigurationProvider>().SelectMany(p => p.GetChildKeys([], null)).FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            throw new SettingsException($"the configuration file {file}: '{unknown}' is not a setting (tokenward config reference lists them).");
        }

        return new(root, file);
    }

    /// <summary>The value given for a setting, and where; null and the default's source when none is.</summary>
    public (string? Value, SettingSource Source) Raw(Setting setting)
    {
        // Later providers win.
        foreach (var provider in _root.Providers.Reverse())
        {
            if (ValueIn(provider, setting.Key) is { Length: > 0 } value)
            {
                return (value, SourceOf(provider, setting));
            }
        }

        return (null, SettingSource.Default(setting));
    }

    public bool IsSet(Setting setting) => Raw(setting).Value is not null;

    /// <summary>The setting's value: the one given, checked, or its default.</summary>
    /// <exception cref="SettingsException">naming where the value came from, when it is not one.</exception>
    public T Get<T>(Setting<T> setting)
    {
        var (value, source) = Raw(setting);
        if (value is null)
        {
            return setting.Default;
        }

        try
        {
            return setting.Parse(value);
        }
        catch (FormatException e)
        {
            throw new SettingsException(source.Label + e.Message);
        }
    }

    /// <summary>A value, or a JSON array's items joined with commas (a list in <c>tokenward.json</c>).</summary>
    private static string? ValueIn(IConfigurationProvider provider, string key)
    {
        if (provider.TryGet(key, out var value) && value is { Length: > 0 })
        {
            return value;
        }

        if (provider is not JsonConfigurationProvider)
        {
            return null;
        }

        var items = provider.GetChildKeys([], key).Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(child => provider.TryGet($"{key}:{child}", out var item) ? item : null)
            .Where(item => item is { Length: > 0 }).ToList();
        return items.Count > 0 ? string.Join(',', items) : null;
    }

    private SettingSource SourceOf(IConfigurationProvider provider, Setting setting) => provider switch
    {
        JsonConfigurationProvider => new("file", $"{setting.FileKey} in {File}", $"file {File}"),
        EnvironmentVariablesConfigurationProvider => new("environment", setting.Variable, $"environment {setting.Variable}"),
        LabeledValuesSource.Provider { Kind: "environment" } => new("environment", setting.Variable, $"environment {setting.Variable}"),
        _ => new("option", setting.Option ?? setting.Variable, $"option {setting.Option}"),
    };
}
