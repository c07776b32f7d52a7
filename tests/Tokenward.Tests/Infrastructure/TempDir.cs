namespace Tokenward.Tests.Infrastructure;

/// <summary>A test class's own temporary folder, removed after each test.</summary>
public abstract class TempDir : IDisposable
{
    protected TempDir() => Dir = Directory.CreateTempSubdirectory("tokenward-" + GetType().Name + "-").FullName;

    protected string Dir { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still be letting go of a file; the OS cleans /tmp.
        }

        GC.SuppressFinalize(this);
    }
}
