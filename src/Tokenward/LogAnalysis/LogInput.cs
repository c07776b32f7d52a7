using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace Tokenward.LogAnalysis;

/// <summary>
/// One input of the analysis: a file (plain or gzip, told by its first bytes) or standard input.
/// <see cref="Expand"/> turns what the user typed (files, globs, folders, <c>-</c>) into inputs,
/// a rotated set oldest first: <c>api_json.log.2.gz</c>, <c>api_json.log.1</c>, <c>api_json.log</c>.
/// </summary>
public sealed partial record LogInput(string Name, string? Path)
{
    public const string StandardInput = "-";

    public bool IsStdin => Path is null;

    /// <exception cref="LogInputException">when a named file or folder does not exist or a glob matches nothing.</exception>
    public static List<LogInput> Expand(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            return [new LogInput("(stdin)", null)];
        }

        var inputs = new List<LogInput>();
        foreach (var arg in args)
        {
            if (arg == StandardInput)
            {
                inputs.Add(new LogInput("(stdin)", null));
            }
            else if (Directory.Exists(arg))
            {
                var set = Rotated(Directory.GetFiles(arg, "api_json.log*"));
                inputs.AddRange(set.Count > 0 ? set.Select(Of) : throw new LogInputException($"{arg} holds no api_json.log*"));
            }
            else if (arg.AsSpan().IndexOfAny('*', '?') >= 0)
            {
                var dir = System.IO.Path.GetDirectoryName(arg) is { Length: > 0 } d ? d : ".";
                var matches = Directory.Exists(dir) ? Directory.GetFiles(dir, System.IO.Path.GetFileName(arg)) : [];
                inputs.AddRange(matches.Length > 0 ? Rotated(matches).Select(Of) : throw new LogInputException($"{arg} matches no file"));
            }
            else
            {
                inputs.Add(File.Exists(arg) ? Of(arg) : throw new LogInputException($"{arg}: no such file"));
            }
        }

        return inputs;
    }

    private static LogInput Of(string path) => new(path, path);

    /// <summary>
    /// Oldest first, the live file last. logrotate names rotated files by number (<c>.2.gz</c>,
    /// <c>.1</c>: the highest is the oldest) or, with <c>dateext</c>, by date (<c>-20261201.gz</c>:
    /// the lowest is the oldest); numbered ones come first, as a switch to <c>dateext</c> leaves
    /// them behind, older than every dated one.
    /// </summary>
    private static List<string> Rotated(IEnumerable<string> files) =>
        files.Select(f => (File: f, Order: RotationOrder(System.IO.Path.GetFileName(f))))
            .OrderBy(f => f.Order.Kind)
            .ThenBy(f => f.Order.Date, StringComparer.Ordinal)
            .ThenByDescending(f => f.Order.Number)
            .ThenBy(f => f.File, StringComparer.Ordinal)
            .Select(f => f.File)
            .ToList();

    /// <returns>Kind 0 for a numbered file, 1 for a dated one, 2 for the live file (or a name of no rotation).</returns>
    private static (int Kind, string Date, int Number) RotationOrder(string name)
    {
        if (RotationDate().Match(name) is { Success: true } dated)
        {
            return (1, dated.Groups[1].Value, 0);
        }

        return RotationNumber().Match(name) is { Success: true } numbered
            ? (0, string.Empty, int.Parse(numbered.Groups[1].Value, CultureInfo.InvariantCulture))
            : (2, string.Empty, 0);
    }

    /// <summary>Opens the input, decompressing gzip, after checking it looks like a JSON-lines log.</summary>
    /// <exception cref="LogInputException">when it is binary or its first line is not a JSON object.</exception>
    public Stream Open()
    {
        Stream raw = Path is null
            ? Console.OpenStandardInput(1 << 16)
            : new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        var head = new PrefixStream(raw, 4096);
        var content = head.Prefix is [0x1f, 0x8b, ..] ? new PrefixStream(new GZipStream(head, CompressionMode.Decompress), 4096) : head;
        CheckStart(content.Prefix);
        return content;
    }

    /// <summary>Whether the file can be split and read by several workers (plain files only).</summary>
    public bool IsSplittable()
    {
        if (Path is null)
        {
            return false;
        }

        using var file = File.OpenRead(Path);
        Span<byte> magic = stackalloc byte[2];
        return file.Read(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b;
    }

    /// <summary>Checks the first 4 KB: no NUL bytes, and the first line opens a JSON object.</summary>
    /// <exception cref="LogInputException">when not.</exception>
    public void CheckStart(ReadOnlySpan<byte> start)
    {
        if (start.IndexOf((byte)0) >= 0)
        {
            throw new LogInputException($"{Name} is a binary file, not an api_json.log");
        }

        var text = start.TrimStart("\xEF\xBB\xBF"u8).TrimStart(" \t\r\n"u8);
        if (!text.IsEmpty && text[0] != (byte)'{')
        {
            throw new LogInputException($"{Name} is not a JSON-lines log: its first line does not start with '{{'");
        }
    }

    /// <summary>logrotate's numbers: <c>.1</c>, <c>.2.gz</c>.</summary>
    [GeneratedRegex(@"\.(\d{1,5})(\.gz)?$", RegexOptions.CultureInvariant)]
    private static partial Regex RotationNumber();

    /// <summary>logrotate's <c>dateext</c>: <c>-20261201</c> by default, or a <c>dateformat</c> of digits, dashes and underscores (<c>-2026-12-01</c>, <c>.20261201</c>, <c>-1796083200</c>).</summary>
    [GeneratedRegex(@"[-.](\d{4}[\d_-]{4,})(\.gz)?$", RegexOptions.CultureInvariant)]
    private static partial Regex RotationDate();
}
