namespace Tokenward.Hosting;

/// <summary>
/// The one <c>serve</c> of a SQLite data folder: <c>tokenward.lock</c>, held while it runs (the
/// operating system lets it go when the process dies, even by SIGKILL). Two servers on one
/// SQLite file would fight over its write lock and their caches and bans would disagree;
/// several servers need PostgreSQL.
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    public const string FileName = "tokenward.lock";

    private readonly FileStream _file;

    private DataFolderLock(FileStream file) => _file = file;

    /// <exception cref="SettingsException">when another process holds it.</exception>
    public static DataFolderLock Acquire(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, FileName);
        try
        {
            return new DataFolderLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when ((e.HResult & 0xFFFF) == 11)
        {
            // EWOULDBLOCK: held. Any other failure (a read-only or full disk) is what it is.
            throw new SettingsException(
                $"another tokenward serve is running on the data folder {dataDir}: {path} is held. " +
                "Stop it first; to run several servers, use PostgreSQL (--database).");
        }
    }

    public void Dispose() => _file.Dispose();
}
