namespace Tokenward.Storage;

/// <summary>
/// Tells a database that cannot answer now (a server down, restarting or refusing connections; a
/// file locked past the timeout, unreadable or on a full disk) from a bug: the first is a 503 the
/// client may retry, the second a 500. Each engine knows its own errors
/// (<see cref="Engines.IEngineConnections.IsUnavailable"/>).
/// </summary>
public static class DatabaseUnavailable
{
    public static bool Is(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            foreach (var engine in Engines.StorageEngines.All)
            {
                if (engine.IsUnavailable(x))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
