using System.Diagnostics;
using System.Text.Json.Nodes;
using DuckDB.NET.Data;

// Usage: DuckDbPeer LOG [threads]. Prints the counts as bench/auth-failures/counts.jq does, and the
// seconds it took on standard error.
var log = args[0];
var threads = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : Environment.ProcessorCount;
var clock = Stopwatch.StartNew();
using var connection = new DuckDBConnection("DataSource=:memory:");
connection.Open();
Execute($"SET threads = {threads}");
Execute($$"""
    CREATE TEMP TABLE f AS
    SELECT "meta.auth_fail_reason" AS reason, "meta.auth_fail_token_id" AS token, coalesce(remote_ip, "meta.remote_ip", '(none)') AS ip
    FROM read_ndjson('{{log.Replace("'", "''", StringComparison.Ordinal)}}',
        columns = {'status': 'INTEGER', 'remote_ip': 'VARCHAR', 'meta.remote_ip': 'VARCHAR', 'meta.auth_fail_reason': 'VARCHAR', 'meta.auth_fail_token_id': 'VARCHAR'},
        ignore_errors = true, maximum_object_size = 16777216)
    WHERE "meta.auth_fail_reason" IS NOT NULL OR "meta.auth_fail_token_id" IS NOT NULL OR status = 401
    """);
var result = new JsonObject
{
    ["failures"] = Scalar("SELECT count(*) FROM f"),
    ["by_reason"] = Map("SELECT reason, count(*) FROM f WHERE reason IS NOT NULL GROUP BY reason"),
    ["by_token"] = Map("SELECT token, count(*) FROM f WHERE token IS NOT NULL GROUP BY token"),
    ["by_ip"] = Map("SELECT ip, count(*) FROM f WHERE reason IS NOT NULL OR token IS NOT NULL GROUP BY ip"),
    ["unknown_by_ip"] = Map("SELECT ip, count(*) FROM f WHERE reason IS NULL AND token IS NULL GROUP BY ip"),
};
Console.Error.WriteLine($"duckdb: {clock.Elapsed.TotalSeconds:0.00} s");
Console.WriteLine(result.ToJsonString());

void Execute(string sql)
{
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    command.ExecuteNonQuery();
}

long Scalar(string sql)
{
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
}

JsonObject Map(string sql)
{
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    using var reader = command.ExecuteReader();
    var map = new JsonObject();
    while (reader.Read())
    {
        map[reader.GetString(0)] = reader.GetInt64(1);
    }

    return map;
}
