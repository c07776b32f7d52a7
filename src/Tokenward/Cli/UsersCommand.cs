using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tokenward.Api;
using Tokenward.PersonalAccessTokens;
using Tokenward.Storage;

namespace Tokenward.Cli;

/// <summary><c>tokenward users ...</c>: administration straight on the database.</summary>
public static class UsersCommand
{
    public static Command Create()
    {
        var username = new Argument<string>("USERNAME") { Description = "Whose token it is" };
        var name = new Option<string>("--name") { Description = "Token name", Required = true };
        var scopes = new Option<string>("--scopes") { Description = "Comma-separated scopes, e.g. api,read_user", Required = true };
        var expiresAt = new Option<string?>("--expires-at") { Description = "Expiry date YYYY-MM-DD (default: the maximum lifetime when expiry is required)" };
        var value = new Option<string?>("--value") { Description = "Use this value (at least 20 characters) instead of a generated token, as GitLab's set_token does" };
        var description = new Option<string?>("--description") { Description = "Token description" };

        var createToken = new Command("create-token", "Create a personal access token for a user and print it once")
        {
            username, name, scopes, expiresAt, value, description, GlobalOptions.Format,
        };
        createToken.SetAction(async (result, ct) =>
        {
            // Checked first: the token is shown once, so no output problem may come after it is made.
            var format = GlobalOptions.FormatWithoutLines(result);
            DateOnly? expiry = null;
            if (result.GetValue(expiresAt) is { } text)
            {
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                {
                    return CliErrors.Fail($"--expires-at must be a date as YYYY-MM-DD, not '{text}'.");
                }

                expiry = d;
            }

            var settings = GlobalOptions.Settings(result);
            await using var services = await CliServices.StartAsync(settings, ct);
            var db = services.Get<TokenwardDb>();
            var login = result.GetValue(username)!;
            var user = await db.Users.FirstOrDefaultAsync(u => u.Username == login, ct);
            if (user is null)
            {
                return CliErrors.Fail($"No user '{login}'.");
            }

            var service = services.Get<PersonalAccessTokenService>();
            var requested = new NewToken(
                user.Id,
                result.GetValue(name)!,
                result.GetValue(scopes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                expiry,
                result.GetValue(description),
                ExplicitValue: result.GetValue(value));
            var (token, plaintext) = await service.CreateAsync(requested, ct);
            var clock = services.Get<TimeProvider>();
            if (format == Toolkit.ReportFormat.Csv)
            {
                await CliTable.WriteAsync(Console.Out, format, ["id", "name", "username", "scopes", "expires_at", "token"],
                    [[token.Id.ToString(CultureInfo.InvariantCulture), token.Name, user.Username, string.Join(' ', token.ScopeList()), token.ExpiresAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), plaintext]]);
            }
            else if (format == Toolkit.ReportFormat.Json)
            {
                var options = new JsonSerializerOptions { WriteIndented = true };
                GitLabJson.Configure(options);
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(TokenJson.From(token, TokenStates.Today(clock)) with { Token = plaintext }, options));
            }
            else
            {
                await Console.Error.WriteLineAsync(
                    $"Created personal access token {token.Id} '{token.Name}' for {user.Username}, scopes {string.Join(',', token.ScopeList())}, expires {token.ExpiresAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "never"}. It is shown once:");
                await Console.Out.WriteLineAsync(plaintext);
            }

            return 0;
        });

        return new Command("users", "Manage users and their tokens directly in the database") { createToken };
    }
}
