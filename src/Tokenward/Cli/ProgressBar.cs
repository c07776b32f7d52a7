using System.Globalization;

namespace Tokenward.Cli;

/// <summary>A progress bar on standard error, drawn only when it is a terminal and the job is large enough to wait for.</summary>
/// <param name="total">What counts as done; 0 until <see cref="Start"/> says, for jobs that learn it as they begin.</param>
public sealed class ProgressBar(string label, int total = 0) : IProgress<int>, IDisposable
{
    private const int Width = 30;
    private int _total = total;
    private bool _draw = Drawn(total);

    public void Start(int total)
    {
        _total = total;
        _draw = Drawn(total);
    }

    private static bool Drawn(int total) => !Console.IsErrorRedirected && total >= 1000;

    public void Report(int value)
    {
        if (!_draw)
        {
            return;
        }

        var filled = _total == 0 ? Width : (int)((long)Math.Min(value, _total) * Width / _total);
        Console.Error.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r{label} [{new string('#', filled)}{new string('.', Width - filled)}] {value:N0}/{_total:N0}"));
    }

    public void Dispose()
    {
        if (_draw)
        {
            Console.Error.WriteLine();
        }
    }
}
