using System.Data.Common;

namespace Tokenward.Toolkit;

/// <summary>SQL text and its named parameters.</summary>
public sealed record SqlStatement(string Text, IReadOnlyList<KeyValuePair<string, object>> Parameters)
{
    /// <summary>A command for this statement on <paramref name="connection"/>, its parameters bound.</summary>
    public DbCommand CreateCommand(DbConnection connection)
    {
        var command = connection.CreateCommand();
        command.CommandText = Text;
        foreach (var (name, value) in Parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
