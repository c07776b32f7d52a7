using System.Globalization;

namespace Tokenward.Cli;

/// <summary>A progress bar on standard error, drawn only when it is a terminal and the job is large enough to wait for.</summary>
public sealed class ProgressBar(string label, int total) : IProgress<int>, IDisposable
{
    private const int Width = 30;
    private readonly bool _draw = !Console.IsErrorRedirected && total >= 1000;

    public void Report(int value)
    {
        if (!_draw)
        {
            return;
        }

        var filled = total == 0 ? Width : (int)((long)Math.Min(value, total) * Width / total);
        Console.Error.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r{label} [{new string('#', filled)}{new string('.', Width - filled)}] {value:N0}/{total:N0}"));
    }

    public void Dispose()
    {
        if (_draw)
        {
            Console.Error.WriteLine();
        }
    }
}
