using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LogBus.Broker.Storage;

/// <summary>
/// Durable-file helpers: directory fsync (so that created, renamed and deleted names survive a crash)
/// and atomic replacement of small files (write temp, fsync, rename, fsync the directory).
/// </summary>
internal static class FileSystemSync
{
    /// <summary>
    /// fsyncs a directory so entries created, renamed or removed in it are durable. .NET cannot open a
    /// directory as a file, so this calls open(2)/fsync(2) directly; a no-op on Windows, where NTFS
    /// journals metadata itself.
    /// </summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var fd = NativeMethods.Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new StorageException(directory, $"cannot open directory to fsync it (errno {errno})");
        }
        try
        {
            if (NativeMethods.Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                // EINVAL: the filesystem does not support fsync on directories (some tmpfs/FUSE); the
                // rename is still atomic there, there is simply nothing to sync.
                if (errno != 22)
                {
                    throw new StorageException(directory, $"fsync of directory failed (errno {errno})");
                }
            }
        }
        finally
        {
            _ = NativeMethods.Close(fd);
        }
    }

    /// <summary>
    /// Atomically replaces <paramref name="path"/> with <paramref name="content"/>: writes
    /// <c>path.tmp</c>, fsyncs it, renames it over <paramref name="path"/> and fsyncs the directory.
    /// After a crash the file holds either the old or the new content, never a mix.
    /// </summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var tmp = path + ".tmp";
        try
        {
            using (var handle = File.OpenHandle(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                RandomAccess.Write(handle, content, 0);
                RandomAccess.FlushToDisk(handle);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(path, $"cannot write file durably: {e.Message}", e);
        }
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>
    /// Reserves disk blocks for <c>[offset, offset + length)</c> of <paramref name="handle"/> without
    /// changing the file's size (Linux <c>fallocate(FALLOC_FL_KEEP_SIZE)</c>). Writes into reserved
    /// blocks skip the filesystem's per-page delayed-allocation bookkeeping. Returns false where this is
    /// unavailable (other OSes, 32-bit processes, filesystems without support, no space): the caller
    /// simply writes without a reservation. The size (and so what readers and recovery see) never
    /// changes; truncating the file to its size releases the blocks beyond it again.
    /// </summary>
    public static bool TryReserve(SafeFileHandle handle, long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return false;
        }
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return NativeMethods.Fallocate((int)handle.DangerousGetHandle(), 1 /* FALLOC_FL_KEEP_SIZE */, offset, length) == 0;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static class NativeMethods
    {
        // DllImport rather than LibraryImport: the generated marshalling needs unsafe code, which the
        // central build disallows; these calls take only integers and a UTF-8 string.
#pragma warning disable SYSLIB1054
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int Fsync(int fd);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int Close(int fd);

        // off_t is 64 bits in 64-bit Linux processes (the only ones that call this).
        [DllImport("libc", EntryPoint = "fallocate", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int Fallocate(int fd, int mode, long offset, long length);
#pragma warning restore SYSLIB1054
    }
}
