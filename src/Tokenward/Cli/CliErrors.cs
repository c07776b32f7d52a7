namespace Tokenward.Cli;

public static class CliErrors
{
    /// <summary>Prints the message to standard error and returns the failure exit code.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine("tokenward: " + message);
        return 1;
    }
}
