using System.Data.Common;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Tokenward.Storage.Engines;

/// <summary>The plain SQL that differs: the reports' terms and values, bulk inserts, identities, and how a report streams.</summary>
public interface IEngineSql
{
    /// <summary>A condition: <paramref name="column"/> holds the text in <paramref name="parameter"/>.</summary>
    string Contains(string column, string parameter);

    /// <summary>A date as a parameter value (SQLite keeps dates as ISO text, as EF Core writes them).</summary>
    object DateValue(DateOnly date);

    DateOnly ReadDate(DbDataReader reader, int ordinal);

    /// <summary>Rows per multi-row INSERT.</summary>
    int RowsPerInsert { get; }

    /// <summary>After rows were inserted with explicit ids: later inserts must not collide with them.</summary>
    Task ResetIdentityAsync(DatabaseFacade database, string table, CancellationToken ct);

    /// <summary>A report's rows (<see cref="Toolkit.ReportSql.Rows"/>'s columns), as they come, the way this engine streams them best.</summary>
    IAsyncEnumerable<ReportRow> ReadReportAsync(DbConnection connection, Toolkit.SqlStatement statement, CancellationToken ct);
}
