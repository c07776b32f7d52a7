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
    private const int Interrupted = 4; // EINTR

    public static FileStream Open(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }

        var name = Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        int errno;
        do
        {
            fd = OpenFile(name, WriteOnly | Create | Append | CloseOnExec, ReadWriteForOwnerReadForOthers);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        while (fd < 0 && errno == Interrupted);

        if (fd < 0)
        {
            throw new IOException($"Could not open {path} for appending: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            return new FileStream(handle, FileAccess.Write, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// After a write cut short (a full disk): cuts the file back to <paramref name="length"/>, so no
    /// half line stays, unless it was truncated meanwhile (a copytruncate), which took it anyway.
    /// </summary>
    public static void TakeBack(FileStream file, long length)
    {
        try
        {
            if (file.Length > length)
            {
                file.SetLength(length);
            }
        }
        catch (IOException)
        {
            // Nothing more to do: the audit shipper cuts a half line off before its next write.
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int OpenFile(byte[] path, int flags, int mode);
}
