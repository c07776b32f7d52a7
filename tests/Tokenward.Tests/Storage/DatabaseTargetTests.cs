using Npgsql;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Storage;

public class DatabaseTargetTests
{
    [Theory]
    [InlineData("postgres://tw:s%40cret@db.example:6543/tokens?sslmode=require")]
    [InlineData("Host=db.example;Port=6543;Username=tw;Password=s@cret;Database=tokens;SSL Mode=Require")]
    public void A_url_or_a_connection_string_gets_the_defaults(string value)
    {
        var b = new NpgsqlConnectionStringBuilder(DatabaseTarget.Postgres(value).ConnectionString);
        Assert.Equal(("db.example", 6543, "tw", "s@cret", "tokens", SslMode.Require), (b.Host, b.Port, b.Username, b.Password, b.Database, b.SslMode));
        Assert.Equal((20, true, "-c jit=off"), (b.MaxAutoPrepare, b.NoResetOnClose, b.Options));
    }

    [Theory]
    [InlineData("postgres://tw@db.example/tokens?Max%20Auto%20Prepare=0&NoResetOnClose=false&Options=-c%20jit%3Don")]
    [InlineData("Host=db.example;Username=tw;Database=tokens;MaxAutoPrepare=0;No Reset On Close=false;Options=-c jit=on")]
    public void Values_given_explicitly_win(string value)
    {
        var b = new NpgsqlConnectionStringBuilder(DatabaseTarget.Postgres(value).ConnectionString);
        Assert.Equal((0, false, "-c jit=on"), (b.MaxAutoPrepare, b.NoResetOnClose, b.Options));
    }

    [Theory]
    [InlineData("postgres://")]
    [InlineData("Username=tw;Database=tokens")]
    [InlineData("postgres://tw@db.example/tokens?flavour=mint")]
    public void What_is_not_a_postgresql_address_is_refused(string value) =>
        Assert.Throws<FormatException>(() => DatabaseTarget.Postgres(value));

    [Fact]
    public async Task Connections_run_without_jit()
    {
        var given = new NpgsqlConnectionStringBuilder(PostgresServer.Instance.CreateDatabase());
        var target = DatabaseTarget.Postgres($"postgres://{given.Username}@{given.Host}:{given.Port}/{given.Database}");
        await using var connection = await target.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SHOW jit";
        Assert.Equal("off", await command.ExecuteScalarAsync());
    }
}
