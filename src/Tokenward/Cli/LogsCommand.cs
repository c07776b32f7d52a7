using System.CommandLine;
using System.Globalization;
using Tokenward.LogAnalysis;
using Tokenward.Toolkit;
using Tokenward.Toolkit.Remote;

namespace Tokenward.Cli;

/// <summary><c>tokenward logs auth-failures</c>: which tokens fail, why and from where, in Tokenward's or GitLab's <c>api_json.log</c>.</summary>
public static class LogsCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("FILES") { Description = "Logs: files, globs, folders (their api_json.log*), gzip or not; - or nothing for standard input", Arity = ArgumentArity.ZeroOrMore };
        var since = new Option<string?>("--since") { Description = $"Only failures at or after this time: {ToolkitOptions.TimeFormats}" };
        var until = new Option<string?>("--until") { Description = $"Only failures before this time: {ToolkitOptions.TimeFormats}" };
        var reason = new Option<string?>("--reason") { Description = "Only this meta.auth_fail_reason (token_expired, token_revoked, insufficient_scope, ...)" };
        var tokenId = new Option<string?>("--token-id") { Description = "Only this token: PersonalAccessToken/12 or 12" };
        var status = new Option<int?>("--status") { Description = "Only this HTTP status (401, 403)" };
        var ip = new Option<string?>("--ip") { Description = "Only this client address" };
        var path = new Option<string?>("--path") { Description = "Only this request path (a trailing * matches a prefix)" };
        var top = new Option<int>("--top") { Description = "Rows per table section (default 20)", DefaultValueFactory = _ => 20 };
        var verbose = new Option<bool>("--verbose") { Description = "List where the malformed lines are" };
        var follow = new Option<bool>("--follow") { Description = "Then keep reading the last file as it grows (through rotation), printing each failure; Ctrl+C prints the summary" };
        var noInventory = new Option<bool>("--no-inventory") { Description = "Do not look the tokens up in the database or API" };
        var threads = new Option<int>("--threads") { Description = "Workers for large plain files (default: one per core)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("auth-failures", "Failed authentications in api_json.log: by reason, token, client address and route, and what to fix")
        {
            files, since, until, reason, tokenId, status, ip, path, GlobalOptions.Format, top, verbose, follow, noInventory, threads, RemoteOptions.Url, RemoteOptions.Token,
        };
        command.SetAction(async (result, ct) =>
        {
            var format = GlobalOptions.FormatWithoutLines(result);
            var now = TimeProvider.System.GetUtcNow();
            var filter = new LogFilter
            {
                Since = result.GetValue(since) is { } s ? ToolkitOptions.Time("--since", s, now) : null,
                Until = result.GetValue(until) is { } u ? ToolkitOptions.Time("--until", u, now) : null,
                Reason = result.GetValue(reason),
                TokenId = result.GetValue(tokenId),
                Status = result.GetValue(status),
                Ip = result.GetValue(ip),
                Path = result.GetValue(path),
            };
            var args = result.GetValue(files) ?? [];
            if (args.Length == 0 && !Console.IsInputRedirected)
            {
                throw new CliException("name the logs to read (files, globs or a folder), or pipe one in.");
            }

            if (result.GetValue(top) < 1 || result.GetValue(threads) < 1)
            {
                throw new CliException("--top and --threads must be at least 1.");
            }

            var inputs = LogInput.Expand(args);
            var scan = new LogScan(filter, result.GetValue(threads));
            var size = inputs.Where(i => i.Path is not null).Sum(i => new FileInfo(i.Path!).Length);
            var stats = await WithProgressAsync(scan, size, () => scan.Run(inputs, ct), ct);

            if (result.GetValue(follow) && inputs[^1].Path is { } live)
            {
                var followed = new AuthFailureStats();
                var scanner = new LineScanner(filter, followed, 0, line => Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{line.Time:yyyy-MM-ddTHH:mm:ssZ} {line.Status} {line.Reason ?? "unknown token"} {line.TokenId ?? "-"} {line.RemoteIp} {line.Method} {line.Path} {line.UserAgent}")));
                await Console.Error.WriteLineAsync($"Following {live} (Ctrl+C to stop and print the summary)...");
                await new LogFollower(live, scanner, TimeProvider.System).FollowAsync(new FileInfo(live).Length, ct);
                stats.Merge(followed);
            }

            var inventory = result.GetValue(noInventory) ? null : await InventoryAsync(result, stats, CancellationToken.None);
            var malformed = result.GetValue(verbose) ? scan.MalformedLines.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Input}:{m.Line}")).ToList() : null;
            var report = AuthFailureReport.From(inputs.Select(i => i.Name).ToList(), stats, malformed, inventory);
            await using var output = ToolkitSource.Output();
            switch (format)
            {
                case "json":
                    await report.WriteJsonAsync(output);
                    break;
                case "csv":
                    await report.WriteCsvAsync(output);
                    break;
                default:
                    await report.WriteTableAsync(output, result.GetValue(top));
                    break;
            }

            return 0;
        });
        return new Command("logs", "Analyse api_json.log (Tokenward's or GitLab's)") { command, TokenActivityCommand.Create() };
    }

    /// <summary>Runs the scan on the thread pool, drawing a progress bar on a terminal for inputs over 64 MB.</summary>
    private static async Task<AuthFailureStats> WithProgressAsync(LogScan scan, long size, Func<AuthFailureStats> run, CancellationToken ct)
    {
        var work = Task.Run(run, ct);
        if (size < (64 << 20) || Console.IsErrorRedirected)
        {
            return await work;
        }

        var megabytes = (int)Math.Min(int.MaxValue, size >> 20);
        using (var bar = new ProgressBar("Reading", megabytes))
        {
            while (await Task.WhenAny(work, Task.Delay(250, ct)) != work)
            {
                bar.Report((int)(scan.BytesRead >> 20));
            }

            bar.Report(megabytes);
        }

        return await work;
    }

    /// <summary>The failing tokens in the inventory: the remote API with --url, else the database when there is one.</summary>
    private static async Task<Dictionary<string, TokenInfo>?> InventoryAsync(ParseResult result, AuthFailureStats stats, CancellationToken ct)
    {
        var ids = TokenInfo.Ids(stats.ByToken.Keys);
        List<ReportRow> rows;
        DateOnly today;
        if (RemoteOptions.Api(result) is { } api)
        {
            using (api)
            {
                rows = await new RemoteInventory(api, Console.Error).FindAsync(ids, ct);
            }

            today = TokenStates.Today(TimeProvider.System);
        }
        else
        {
            var settings = GlobalOptions.Settings(result);
            var configured = GlobalOptions.Configuration(result).IsSet(Hosting.SettingsCatalog.Database);
            if (!configured && !File.Exists(Storage.DatabaseTarget.SqliteFile(settings.DataDir)))
            {
                return null;
            }

            await using var services = await CliServices.StartAsync(settings, ct);
            rows = await services.Get<TokenInventory>().FindAsync(ids, ct);
            today = TokenStates.Today(services.Get<TimeProvider>());
        }

        return TokenInfo.Of(rows, today);
    }
}
