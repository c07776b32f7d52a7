namespace Tokenward.Cli;

public static class CliErrors
{
    /// <summary>Runs a step that prepares a folder, turning a folder that is a file or cannot be made into one line.</summary>
    /// <exception cref="CliException">when the folder cannot be used.</exception>
    public static T InFolder<T>(string folder, Func<T> step)
    {
        try
        {
            return step();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot use the folder {folder}: {e.Message}");
        }
    }

    /// <summary>Prints the message to standard error and returns the failure exit code.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine("tokenward: " + message);
        return 1;
    }
}
