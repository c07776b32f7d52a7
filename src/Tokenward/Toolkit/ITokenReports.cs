namespace Tokenward.Toolkit;

/// <summary>Where reports come from: Tokenward's database (<see cref="TokenInventory"/>) or a remote API (<see cref="Remote.RemoteInventory"/>).</summary>
public interface ITokenReports
{
    Task<TokenFilter> ResolveAsync(FilterInput input, CancellationToken ct);

    /// <summary>The selected tokens, soonest expiry first, no expiry last.</summary>
    IAsyncEnumerable<ReportRow> StreamAsync(TokenFilter filter, CancellationToken ct);

    Task<List<ExpiryDateCount>> ExpiryDatesAsync(TokenFilter filter, DateOnly today, int top, CancellationToken ct);

    /// <summary>These tokens, whatever their state (revoked and expired included); unknown ids are left out.</summary>
    Task<List<ReportRow>> FindAsync(IReadOnlyCollection<long> ids, CancellationToken ct);
}
