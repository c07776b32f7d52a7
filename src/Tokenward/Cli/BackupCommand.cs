using System.CommandLine;
using Microsoft.Data.Sqlite;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Cli;

/// <summary>
/// <c>tokenward backup</c> and <c>tokenward restore</c>. A backup is a folder: the SQLite database
/// copied with SQLite's online backup API (consistent while <c>serve</c> keeps writing), the
/// instance secret (<c>secrets.json</c>: without it no stored token digest matches a token again)
/// and the web UI's session keys. On PostgreSQL the database is <c>pg_dump</c>'s to copy; the
/// folder then holds the secret and keys, and the command says what to run.
/// </summary>
public static class BackupCommand
{
    private const string KeysFolder = "keys";

    public static Command Backup()
    {
        var to = new Option<string>("--to") { Description = "The backup folder to create (must not exist or be empty)", Required = true };
        var backup = new Command("backup", "Copy the database (SQLite, online), the instance secret and the session keys into a folder") { to };
        backup.SetAction(async (result, ct) =>
        {
            var settings = GlobalOptions.Settings(result);
            var target = Path.GetFullPath(result.GetValue(to)!);
            EmptyFolder(target);
            if (settings.Database.Engine == DatabaseEngine.Sqlite)
            {
                var source = DatabaseTarget.SqliteFile(settings.DataDir);
                if (!File.Exists(source))
                {
                    throw new CliException($"there is no Tokenward database in {settings.DataDir}.");
                }

                await using var from = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadOnly, DefaultTimeout = 30 }.ToString());
                await using var into = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabaseTarget.SqliteFile(target), Pooling = false }.ToString());
                await from.OpenAsync(ct);
                await into.OpenAsync(ct);
                // One consistent snapshot, however busy the server: SQLite's online backup.
                from.BackupDatabase(into);
                await Console.Error.WriteLineAsync($"Database copied to {DatabaseTarget.SqliteFile(target)}.");
            }

            CopySecrets(settings.DataDir, target, settings.Secret is not null);
            if (settings.Database.Engine == DatabaseEngine.Postgres)
            {
                await Console.Error.WriteLineAsync(
                    $"The database is PostgreSQL's to copy: pg_dump --format=custom --file={Path.Combine(target, "tokenward.pgdump")} \"<the database>\" (README: Backups).");
            }

            await Console.Out.WriteLineAsync(target);
            return 0;
        });
        return backup;
    }

    public static Command Restore()
    {
        var from = new Option<string>("--from") { Description = "A folder made by tokenward backup", Required = true };
        var restore = new Command("restore", "Restore a backup into the data folder (which must not hold a database yet)") { from };
        restore.SetAction(async (result, ct) =>
        {
            var settings = GlobalOptions.Settings(result);
            var source = Path.GetFullPath(result.GetValue(from)!);
            if (!File.Exists(Path.Combine(source, InstanceSecret.FileName)) && settings.Secret is null)
            {
                throw new CliException($"{source} holds no {InstanceSecret.FileName}: without the instance secret no token would authenticate. Set TOKENWARD_SECRET to the secret it was made with, or restore a backup that has it.");
            }

            Directory.CreateDirectory(settings.DataDir);
            if (File.Exists(DatabaseTarget.SqliteFile(settings.DataDir)) || File.Exists(Path.Combine(settings.DataDir, InstanceSecret.FileName)))
            {
                throw new CliException($"{settings.DataDir} already holds a Tokenward instance; restore into an empty data folder.");
            }

            if (settings.Database.Engine == DatabaseEngine.Sqlite)
            {
                var backupFile = DatabaseTarget.SqliteFile(source);
                if (!File.Exists(backupFile))
                {
                    throw new CliException($"{source} holds no tokenward.sqlite3.");
                }

                await using (var check = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = backupFile, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
                {
                    await check.OpenAsync(ct);
                    await using var command = check.CreateCommand();
                    command.CommandText = "PRAGMA integrity_check";
                    if (await command.ExecuteScalarAsync(ct) is not "ok")
                    {
                        throw new CliException($"{backupFile} is damaged (SQLite's integrity check failed); nothing was restored.");
                    }
                }

                // Copied under another name, then renamed: a restore cut short leaves no half a database.
                var partial = DatabaseTarget.SqliteFile(settings.DataDir) + ".restoring";
                File.Copy(backupFile, partial, overwrite: true);
                File.Move(partial, DatabaseTarget.SqliteFile(settings.DataDir));
            }

            CopySecrets(source, settings.DataDir, fromEnvironment: false);
            // The schema is brought up to date now, so the first serve starts at once, and a backup from a newer release is refused here.
            await Storage.Migrations.Migrator.MigrateExistingAsync(settings.Database, ct);
            await Console.Error.WriteLineAsync($"Restored {source} into {settings.DataDir}.");
            return 0;
        });
        return restore;
    }

    private static void EmptyFolder(string path)
    {
        if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
        {
            throw new CliException($"{path} is not empty; back up into a new folder.");
        }

        Directory.CreateDirectory(path);
    }

    private static void CopySecrets(string from, string to, bool fromEnvironment)
    {
        var secret = Path.Combine(from, InstanceSecret.FileName);
        if (File.Exists(secret))
        {
            File.Copy(secret, Path.Combine(to, InstanceSecret.FileName));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path.Combine(to, InstanceSecret.FileName), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        else if (fromEnvironment)
        {
            Console.Error.WriteLine("The instance secret comes from TOKENWARD_SECRET, not a file: keep it with this backup, or no restored token will authenticate.");
        }

        var keys = Path.Combine(from, KeysFolder);
        if (Directory.Exists(keys))
        {
            Directory.CreateDirectory(Path.Combine(to, KeysFolder));
            foreach (var file in Directory.GetFiles(keys))
            {
                File.Copy(file, Path.Combine(to, KeysFolder, Path.GetFileName(file)));
            }
        }
    }
}
