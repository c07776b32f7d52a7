namespace Tokenward.Storage.Migrations;

/// <summary>The database's schema cannot be used by this build.</summary>
public sealed class SchemaException(string message) : Exception(message);
