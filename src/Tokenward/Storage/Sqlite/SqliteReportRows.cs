using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using Tokenward.Toolkit;

namespace Tokenward.Storage.Sqlite;

/// <summary>
/// Reads <see cref="ReportSql.Rows"/> on SQLite through its C API. Microsoft.Data.Sqlite's reader
/// spends about as long per column as SQLite takes to produce it (a type check, a copy, a parse of
/// each date), which over a hundred thousand rows of sixteen columns was most of a second; here
/// each value is one call and dates are parsed from their bytes.
/// </summary>
public static class SqliteReportRows
{
    /// <exception cref="SqliteException">when SQLite refuses the statement or fails a step.</exception>
    public static IEnumerable<ReportRow> Read(SqliteConnection connection, SqlStatement statement, CancellationToken ct)
    {
        var db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(db, raw.sqlite3_prepare_v2(db, statement.Text, out var stmt));
        using (stmt)
        {
            foreach (var (name, value) in statement.Parameters)
            {
                var index = raw.sqlite3_bind_parameter_index(stmt, name);
                Check(db, value switch
                {
                    long n => raw.sqlite3_bind_int64(stmt, index, n),
                    string s => raw.sqlite3_bind_text(stmt, index, s),
                    _ => throw new ArgumentException($"no SQLite binding for {value.GetType().Name}", nameof(statement)),
                });
            }

            var owners = new ReportOwners();
            var scopes = new HashSet<string>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
            var rows = 0;
            while (true)
            {
                var rc = raw.sqlite3_step(stmt);
                if (rc == raw.SQLITE_DONE)
                {
                    yield break;
                }

                Check(db, rc == raw.SQLITE_ROW ? raw.SQLITE_OK : rc);
                if (++rows % 4096 == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }

                yield return Row(stmt, owners, scopes);
            }
        }
    }

    /// <summary>Distinct scope lists remembered at most.</summary>
    private const int MaxShared = 4096;

    /// <summary>
    /// The columns of <see cref="ReportSql.Rows"/>, in its order. An owner's columns are read once
    /// (<see cref="ReportOwners"/>) and equal scope lists share a string: fewer calls, fewer strings.
    /// </summary>
    private static ReportRow Row(sqlite3_stmt s, ReportOwners owners, HashSet<string>.AlternateLookup<ReadOnlySpan<char>> scopes)
    {
        var userId = raw.sqlite3_column_int64(s, 3);
        var resourceId = IsNull(s, 13) ? (long?)null : raw.sqlite3_column_int64(s, 13);
        var resourceType = resourceId is null ? null : Known(raw.sqlite3_column_blob(s, 12));
        if (!owners.TryGet(userId, resourceType, resourceId, out var owner))
        {
            owner = owners.Add(userId, new(
                Text(s, 4) ?? string.Empty,
                Text(s, 5),
                Known(raw.sqlite3_column_blob(s, 6)),
                resourceType,
                resourceId,
                Text(s, 14)));
        }

        return new ReportRow
        {
            Id = raw.sqlite3_column_int64(s, 0),
            Kind = Known(raw.sqlite3_column_blob(s, 1)),
            Name = Text(s, 2) ?? string.Empty,
            UserId = userId,
            Username = owner.Username,
            UserEmail = owner.Email,
            UserState = owner.State,
            Scopes = Shared(raw.sqlite3_column_blob(s, 7), scopes),
            Revoked = raw.sqlite3_column_int64(s, 8) != 0,
            ExpiresAt = IsNull(s, 9) ? null : Date(raw.sqlite3_column_blob(s, 9)),
            LastUsedAt = IsNull(s, 10) ? null : Time(raw.sqlite3_column_blob(s, 10)),
            CreatedAt = Time(raw.sqlite3_column_blob(s, 11)),
            ResourceType = owner.ResourceType,
            ResourceId = owner.ResourceId,
            ResourcePath = owner.ResourcePath,
            ExpiryBackfilled = raw.sqlite3_column_int64(s, 15) != 0,
        };
    }

    /// <summary>The one string for this text, made the first time it is seen.</summary>
    private static string Shared(ReadOnlySpan<byte> utf8, HashSet<string>.AlternateLookup<ReadOnlySpan<char>> known)
    {
        Span<char> buffer = stackalloc char[256];
        var text = utf8.Length <= buffer.Length ? buffer[..Encoding.UTF8.GetChars(utf8, buffer)] : Encoding.UTF8.GetString(utf8).AsSpan();
        if (known.TryGetValue(text, out var found))
        {
            return found;
        }

        var made = text.ToString();
        if (known.Set.Count < MaxShared)
        {
            known.Add(made);
        }

        return made;
    }

    private static bool IsNull(sqlite3_stmt s, int column) => raw.sqlite3_column_type(s, column) == raw.SQLITE_NULL;

    private static string? Text(sqlite3_stmt s, int column) => IsNull(s, column) ? null : Encoding.UTF8.GetString(raw.sqlite3_column_blob(s, column));

    /// <summary>Kinds, states and resource types repeat on every row: the constant, not a new string each time.</summary>
    private static string Known(ReadOnlySpan<byte> value) => value switch
    {
        _ when value.SequenceEqual("active"u8) => Core.Authentication.UserStates.Active,
        _ when value.SequenceEqual("personal"u8) => TokenKinds.Personal,
        _ when value.SequenceEqual("project"u8) => TokenKinds.Project,
        _ when value.SequenceEqual("group"u8) => TokenKinds.Group,
        _ when value.SequenceEqual("impersonation"u8) => TokenKinds.Impersonation,
        _ => Encoding.UTF8.GetString(value),
    };

    /// <summary><c>yyyy-MM-dd</c>, as EF Core stores a <see cref="DateOnly"/>.</summary>
    private static DateOnly Date(ReadOnlySpan<byte> text) =>
        text.Length == 10 && Number(text[..4], out var y) && Number(text.Slice(5, 2), out var m) && Number(text.Slice(8, 2), out var d)
            ? new DateOnly(y, m, d)
            : DateOnly.Parse(Encoding.UTF8.GetString(text), CultureInfo.InvariantCulture);

    /// <summary><c>yyyy-MM-dd HH:mm:ss[.fffffff]</c> in UTC, as EF Core stores a <see cref="DateTime"/>.</summary>
    private static DateTime Time(ReadOnlySpan<byte> text)
    {
        if (text.Length >= 19 && Number(text[..4], out var year) && Number(text.Slice(5, 2), out var month) && Number(text.Slice(8, 2), out var day)
            && Number(text.Slice(11, 2), out var hour) && Number(text.Slice(14, 2), out var minute) && Number(text.Slice(17, 2), out var second))
        {
            var time = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc);
            var fraction = text[19..];
            if (fraction.IsEmpty)
            {
                return time;
            }

            if (fraction[0] == '.' && fraction.Length is > 1 and <= 8 && Number(fraction[1..], out var digits))
            {
                // ".5" is half a second: scale the digits to ticks (seven places).
                return time.AddTicks(digits * TickScale[fraction.Length - 2]);
            }
        }

        return DateTime.Parse(Encoding.UTF8.GetString(text), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    }

    /// <summary>Ticks per unit of the last digit of a fraction with 1 to 7 digits.</summary>
    private static readonly long[] TickScale = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

    private static bool Number(ReadOnlySpan<byte> digits, out int value) =>
        Utf8Parser.TryParse(digits, out value, out var used) && used == digits.Length && value >= 0;

    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc);
        }
    }
}
