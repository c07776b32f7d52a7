using System.Text;
using Tokenward.Toolkit;

namespace Tokenward.Cli;

/// <summary>
/// A token value for <c>tokens lookup</c> and <c>tokens revoke --value -</c>: read from standard
/// input, never from the command line, so it stays out of shell history and process lists. At a
/// terminal it is asked for without echo.
/// </summary>
public static class TokenValueInput
{
    /// <exception cref="CliException">when there is no value, or more than one line of them.</exception>
    public static async Task<string> ReadAsync(CancellationToken ct)
    {
        string text;
        if (Console.IsInputRedirected)
        {
            text = await Console.In.ReadToEndAsync(ct);
        }
        else
        {
            await Console.Error.WriteAsync("Token value (not shown): ");
            var typed = new StringBuilder();
            for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
            {
                if (key.Key == ConsoleKey.Backspace && typed.Length > 0)
                {
                    typed.Length--;
                }
                else if (!char.IsControl(key.KeyChar))
                {
                    typed.Append(key.KeyChar);
                }
            }

            await Console.Error.WriteLineAsync();
            text = typed.ToString();
        }

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines switch
        {
            [var one] => one,
            [] => throw new CliException("no token value on standard input (pipe it in: printf '%s' \"$TOKEN\" | tokenward tokens ...)"),
            _ => throw new CliException($"one token value expected on standard input, got {lines.Length} lines"),
        };
    }

    /// <summary>The id of the token with this value: on the database, or through the remote API's <c>POST /admin/token</c> (an admin's token).</summary>
    /// <exception cref="ToolkitException">when no token has it, or the server refuses.</exception>
    public static async Task<long> IdOfAsync(ToolkitSource source, string value, CancellationToken ct)
    {
        if (source.Api is { } api)
        {
            var found = await api.WriteAsync(HttpMethod.Post, "api/v4/admin/token", new Dictionary<string, string> { ["token"] = value }, ct);
            return found!.Value.GetProperty("id").GetInt64();
        }

        return (await source.Services!.Get<TokenService.TokenByValue>().FindAsync(value, ct))?.Token.Id
            ?? throw new ToolkitException("no token has this value", notFound: true);
    }
}
