namespace Tokenward.LogAnalysis;

/// <summary>An input that cannot be analysed: missing, binary, or not JSON lines.</summary>
public sealed class LogInputException(string message) : Exception(message);
