using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Tokenward.ApiLog;

/// <summary>
/// Opens a log for appending with the operating system's <c>O_APPEND</c>: every write lands at the
/// file's end as it is at that moment, whoever else appends, and after a <c>copytruncate</c>.
/// .NET's <c>FileMode.Append</c> only seeks to the end once and then writes at its own offset,
/// which overwrites another writer's lines and leaves a hole of zeros after a truncation.
/// </summary>
public static partial class AppendOnlyFile
{
    private const int WriteOnly = 0x1;
    private const int Create = 0x40;
    private const int Append = 0x400;
    private const int CloseOnExec = 0x80000;
    private const int ReadWriteForOwnerReadForOthers = 0x1A4; // 0644

    public static FileStream Open(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }

        var fd = OpenFile(Encoding.UTF8.GetBytes(path + "\0"), WriteOnly | Create | Append | CloseOnExec, ReadWriteForOwnerReadForOthers);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Could not open {path} for appending: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int OpenFile(byte[] path, int flags, int mode);
}
