namespace Tokenward.Hosting;

/// <summary>
/// One setting: its key (<c>MAX_TOKEN_LIFETIME_DAYS</c>: the variable <c>TOKENWARD_MAX_TOKEN_LIFETIME_DAYS</c>,
/// <c>max_token_lifetime_days</c> in <c>tokenward.json</c>), its command-line option if it has one,
/// its default (written here once), what it is, and whether its value is a secret.
/// </summary>
public abstract class Setting(string key, string? option, string defaultText, string description, bool secret)
{
    public const string VariablePrefix = "TOKENWARD_";

    public string Key { get; } = key;

    public string Variable => VariablePrefix + Key;

    /// <summary>The key in <c>tokenward.json</c> (keys are read in any case).</summary>
    public string FileKey => Key.ToLowerInvariant();

    public string? Option { get; } = option;

    /// <summary>The default as README and <c>config show</c> say it.</summary>
    public string DefaultText { get; } = defaultText;

    public string Description { get; } = description;

    public bool Secret { get; } = secret;

    /// <summary>The value as <c>config show</c> prints it: a secret never.</summary>
    public virtual string Show(string value) => Secret ? "(set, hidden)" : value;

}

/// <summary>A setting read as a <typeparamref name="T"/>.</summary>
/// <param name="parse">Turns a configured text into the value; throws <see cref="FormatException"/> with what it must be (<c>must be ...</c>).</param>
/// <param name="defaultText">How README says the default, when it is not just <paramref name="defaultValue"/>.</param>
public sealed class Setting<T>(string key, T defaultValue, string? defaultText, string description, Func<string, T> parse, string? option = null, bool secret = false, Func<string, string>? show = null)
    : Setting(key, option, defaultText ?? Format(defaultValue), description, secret)
{
    public T Default { get; } = defaultValue;

    public T Parse(string value) => parse(value);

    public override string Show(string value) => show is not null ? show(value) : base.Show(value);

    private static string Format(T value) => value switch
    {
        null => "none",
        bool b => b ? "`true`" : "`false`",
        IFormattable f => $"`{f.ToString(null, System.Globalization.CultureInfo.InvariantCulture)}`",
        _ => $"`{value}`",
    };
}
