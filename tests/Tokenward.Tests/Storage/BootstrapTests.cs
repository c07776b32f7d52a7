using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tokenward.Hosting;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Storage;

public sealed class BootstrapTests : TempDir
{
    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task The_first_start_creates_root_and_shows_its_token_once(DatabaseEngine engine)
    {
        var settings = new TokenwardSettings { DataDir = Dir, Database = Engines.Fresh(engine, Dir), LogDir = Path.Combine(Dir, "log") };
        var clock = new FakeTimeProvider(TestServer.Start);
        await using (var app = TokenwardApp.Build(settings, clock))
        {
            var token = await TokenwardApp.PrepareAsync(app.Services, CancellationToken.None);
            Assert.NotNull(token);
            Assert.StartsWith("glpat-", token, StringComparison.Ordinal);

            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
            var root = Assert.Single(db.Users);
            Assert.Equal((1L, "root", true), (root.Id, root.Username, root.Admin));
            var pat = Assert.Single(db.PersonalAccessTokens);
            Assert.Equal("""["api","sudo"]""", pat.Scopes);
        }

        await using (var again = TokenwardApp.Build(settings, clock))
        {
            Assert.Null(await TokenwardApp.PrepareAsync(again.Services, CancellationToken.None));
        }
    }

    [Fact]
    public async Task Users_created_after_root_get_fresh_ids_on_postgres()
    {
        await using var server = await TestServer.StartAsync(DatabaseEngine.Postgres);
        Assert.Equal(2, await server.CreateUserAsync("second"));
    }
}
