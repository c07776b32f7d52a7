using System.Diagnostics;
using Npgsql;

namespace Tokenward.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster started from the machine's own binaries, once per test run, on a
/// free loopback port; every test gets a database of its own in it. Root cannot run the server,
/// so as root it runs as the <c>postgres</c> system user.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<PostgresServer> Shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _dataDir;
    private readonly string _binDir;
    private readonly bool _asPostgresUser;

    private PostgresServer(string binDir, string dataDir, int port, bool asPostgresUser)
    {
        _binDir = binDir;
        _dataDir = dataDir;
        _asPostgresUser = asPostgresUser;
        Port = port;
    }

    public static PostgresServer Instance => Shared.Value;

    public int Port { get; }

    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=tokenward;Database=postgres;Pooling=false";

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public string CreateDatabase()
    {
        var name = "tw_" + Guid.NewGuid().ToString("N")[..16];
        using var connection = new NpgsqlConnection(AdminConnectionString);
        connection.Open();
        using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        cmd.ExecuteNonQuery();
        return $"Host=127.0.0.1;Port={Port};Username=tokenward;Database={name}";
    }

    private static PostgresServer Start()
    {
        var binDir = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; install them with `apt-get install -y postgresql` (.ci/run does).");
        var asPostgres = Environment.UserName == "root";
        SweepOrphans(binDir, asPostgres);
        var dataDir = Path.Combine(Path.GetTempPath(), "tokenward-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dataDir);
        // Beside the folder (initdb wants it empty): which run owns this server.
        File.WriteAllText(dataDir + OwnerSuffix, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (asPostgres)
        {
            Run("chown", ["postgres:postgres", dataDir], asPostgresUser: false);
        }

        var port = Ports.Free();
        var server = new PostgresServer(binDir, dataDir, port, asPostgres);
        server.Pg("initdb", ["-D", dataDir, "-A", "trust", "-U", "tokenward", "--no-sync", "-E", "UTF8"]);
        server.Pg("pg_ctl", [
            "-D", dataDir, "-w", "-t", "60", "-l", Path.Combine(dataDir, "server.log"),
            "-o", $"-p {port} -k {dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            "start",
        ]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    private const string OwnerSuffix = ".owner";

    /// <summary>
    /// Stops and removes the servers of earlier runs that ended without stopping theirs (a test
    /// host killed, or its exit handlers cut short): their owner is gone, or, from before owners
    /// were recorded, they are over an hour old. A server of a run still going is left alone.
    /// </summary>
    private static void SweepOrphans(string binDir, bool asPostgres)
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "tokenward-pg-*"))
        {
            var owner = dir + OwnerSuffix;
            var orphan = File.Exists(owner)
                ? !int.TryParse(File.ReadAllText(owner).Trim(), out var pid) || !IsRunning(pid)
                : Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow.AddHours(-1);
            if (orphan)
            {
                new PostgresServer(binDir, dir, 0, asPostgres).Stop();
                File.Delete(owner);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private void Stop()
    {
        try
        {
            if (File.Exists(Path.Combine(_dataDir, "postmaster.pid")))
            {
                try
                {
                    Pg("pg_ctl", ["-D", _dataDir, "-m", "immediate", "-w", "stop"]);
                }
                catch (InvalidOperationException)
                {
                    // Already gone (a stale postmaster.pid): the folder goes all the same.
                }
            }

            Directory.Delete(_dataDir, recursive: true);
            File.Delete(_dataDir + OwnerSuffix);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Could not stop the test PostgreSQL in {_dataDir}: {e.Message}");
        }
    }

    private void Pg(string tool, string[] args) => Run(Path.Combine(_binDir, tool), args, _asPostgresUser);

    private static void Run(string file, string[] args, bool asPostgresUser)
    {
        var start = new ProcessStartInfo(asPostgresUser ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgresUser)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} timed out");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {stdout.Result}{stderr.Result}");
        }
    }

    private static string? FindBinaries() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
}
