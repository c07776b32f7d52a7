using Tokenward.Storage;
using Tokenward.Storage.Engines;

namespace Tokenward.Tests.Storage;

public class StorageEnginesTests
{
    [Fact]
    public void Every_engine_has_its_implementation_and_says_which_it_is() =>
        Assert.All(Enum.GetValues<DatabaseEngine>(), e => Assert.Equal(e, StorageEngines.Of(e).Engine));

    [Fact]
    public void An_unknown_engine_is_an_error_not_a_fallback()
    {
        var unknown = new DatabaseTarget((DatabaseEngine)99, "Data Source=x");
        Assert.Equal("unknown storage engine '99'", Assert.Throws<NotSupportedException>(() => unknown.CreateConnection()).Message);
        Assert.Throws<NotSupportedException>(() => TokenwardDb.Configure(new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<TokenwardDb>(), unknown));
    }

    [Fact]
    public void Only_the_embedded_engine_lives_in_the_data_folder() =>
        Assert.Equal([DatabaseEngine.Sqlite], StorageEngines.All.Where(e => e.InDataFolder).Select(e => e.Engine));
}
