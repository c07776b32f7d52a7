namespace Tokenward.Tests.Core;

/// <summary>The token rules know nothing of their hosts and stores (OpenIddict's way): no HTTP, no EF Core.</summary>
public class CoreBoundaryTests
{
    [Fact]
    public void Core_references_neither_aspnetcore_nor_ef_core()
    {
        var references = typeof(TokenFilter).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? string.Empty).ToList();
        Assert.DoesNotContain(references, n => n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || n.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) || n.StartsWith("Npgsql", StringComparison.Ordinal));
    }
}
