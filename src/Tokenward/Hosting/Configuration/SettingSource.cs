namespace Tokenward.Hosting;

/// <summary>Where a setting's value came from, as <c>config show</c> and error messages name it.</summary>
/// <param name="Label">How an error names the value: the variable, <c>key in FILE</c> or the option.</param>
public sealed record SettingSource(string Kind, string Label, string Where)
{
    public static SettingSource Default(Setting setting) => new("default", setting.Variable, "default");
}
