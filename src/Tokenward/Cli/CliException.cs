namespace Tokenward.Cli;

/// <summary>A command cannot go on; the message is printed as is and the exit code is 1.</summary>
public sealed class CliException(string message) : Exception(message);
