namespace Tokenward.Hosting;

/// <summary>A configuration value is unusable; the message says which and why.</summary>
public sealed class SettingsException(string message) : Exception(message);
