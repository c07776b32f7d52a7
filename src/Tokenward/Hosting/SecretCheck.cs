using System.Data.Common;

namespace Tokenward.Hosting;

/// <summary>
/// The database keeps a check value of the instance secret (an HMAC of a fixed text, never the
/// secret): a process whose secret differs from the one the stored digests were made with (a
/// second node with its own <c>secrets.json</c>, a restore without the right secret) would refuse
/// every token, so it refuses to start instead, saying why. The first process to open a database
/// records it; a database from before the check gets the value of the first process after it.
/// </summary>
public static class SecretCheck
{
    private const string Subject = "tokenward:instance-secret-check";

    /// <exception cref="SettingsException">when this process's secret is not the database's.</exception>
    public static async Task VerifyAsync(IServiceProvider services, CancellationToken ct)
    {
        var settings = services.GetRequiredService<TokenwardSettings>();
        var expected = services.GetRequiredService<TokenDigester>().Digest(Subject);
        await using var connection = await settings.Database.OpenAsync(ct);
        var stored = await ReadAsync(connection, ct);
        if (stored is null)
        {
            try
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO instance_secret_checks (id, digest) VALUES (1, @digest)";
                var parameter = insert.CreateParameter();
                parameter.ParameterName = "@digest";
                parameter.Value = expected;
                insert.Parameters.Add(parameter);
                await insert.ExecuteNonQueryAsync(ct);
                return;
            }
            catch (DbException)
            {
                // Another process recorded it first: compare with theirs (or fail as the database does).
                stored = await ReadAsync(connection, ct) ?? throw new SettingsException("the instance secret's check value could not be recorded in the database.");
            }
        }

        if (!TokenDigester.DigestsEqual(stored!, expected))
        {
            var source = settings.Secret is not null ? "TOKENWARD_SECRET" : Path.Combine(settings.DataDir, InstanceSecret.FileName);
            throw new SettingsException(
                $"the instance secret ({source}) is not the one this database's tokens were made with, so every token would be refused. "
                + "Every process that shares a database needs the same secret: copy secrets.json from the first node, or set the same TOKENWARD_SECRET.");
        }
    }

    private static async Task<string?> ReadAsync(DbConnection connection, CancellationToken ct)
    {
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT digest FROM instance_secret_checks WHERE id = 1";
        return await select.ExecuteScalarAsync(ct) as string;
    }
}
