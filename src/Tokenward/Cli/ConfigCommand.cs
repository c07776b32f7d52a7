using System.CommandLine;
using System.Text.Json;
using Tokenward.Hosting;

namespace Tokenward.Cli;

/// <summary><c>tokenward config</c>: the settings in effect and where each comes from.</summary>
public static class ConfigCommand
{
    public static Command Create()
    {
        var show = new Command("show", "Every setting's value in effect and where it comes from (default, file, environment, option); secrets hidden")
        {
            GlobalOptions.Format,
        };
        show.SetAction(async (result, ct) =>
        {
            var format = GlobalOptions.FormatWithoutLines(result);
            var config = GlobalOptions.Configuration(result);
            // The whole set must be usable, as a start would find it.
            _ = TokenwardSettings.From(config);
            var rows = SettingsCatalog.All.Select(s =>
            {
                var (value, source) = config.Raw(s);
                return new ConfigRow(s.Variable, s.FileKey, value is null ? Unquoted(s.DefaultText) : s.Show(value), source.Kind, source.Where);
            }).ToList();
            await WriteAsync(rows, format, config.File);
            return 0;
        });

        var reference = new Command("reference", "The settings as README's Markdown table (generated from the settings' definitions)");
        reference.SetAction(async (_, _) =>
        {
            await Console.Out.WriteAsync(SettingsCatalog.Markdown());
            return 0;
        });

        return new Command("config", "The configuration: tokenward.json (--config or TOKENWARD_CONFIG), TOKENWARD_* variables, options") { show, reference };
    }

    private sealed record ConfigRow(string Variable, string Key, string Value, string Source, string Where);

    private static async Task WriteAsync(List<ConfigRow> rows, string format, string? file)
    {
        switch (format)
        {
            case Toolkit.ReportFormat.Json:
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(
                    new { file, settings = rows.Select(r => new { variable = r.Variable, key = r.Key, value = r.Value, source = r.Source, where = r.Where }) }));
                break;
            default:
                await CliTable.WriteAsync(Console.Out, format, ["SETTING", "VALUE", "FROM"], rows.Select(r => new[] { r.Variable, r.Value, r.Where }));
                break;
        }
    }

    private static string Unquoted(string text) => text.Replace("`", string.Empty, StringComparison.Ordinal);
}
