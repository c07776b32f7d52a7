namespace Tokenward.Tests.Infrastructure;

/// <summary>The repository the tests run from: scripts and data of <c>tests/</c> and <c>bench/</c>.</summary>
public static class Repo
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tokenward.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Tokenward.sln not found above " + AppContext.BaseDirectory);
    }
}
