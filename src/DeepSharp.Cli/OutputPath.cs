using System.Text;

namespace DeepSharp.Cli;

/// <summary>
/// Checks, before any work, that <c>--out</c> can be written: a run that trains for an hour must not fail when it saves.
/// The check makes the missing folders, creates a file of its own in the deepest one and removes both again, so a failed
/// run leaves nothing behind. It never opens an existing file: its file is created exclusively (never through a link
/// planted at its name), under another name when something already has that one.
/// </summary>
public static class OutputPath
{
    /// <summary>The longest file or folder name file systems allow (ext4, XFS, APFS, NTFS: 255).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>The check file's name; another is tried when something already has it.</summary>
    public static string CheckFileName => $".deepsharp-write-check-{Environment.ProcessId}";

    /// <summary>Fails unless <paramref name="typed"/> (as the user typed it) is, or can become, a directory that can be written.</summary>
    public static void CheckDirectory(string typed)
    {
        var full = FullPath(typed);
        if (File.Exists(full))
            throw new IOException($"--out '{typed}' is a file; expected a directory (it is created if missing).");
        Probe(typed, full);
    }

    /// <summary>Fails unless <paramref name="typed"/> names a file that can be written (its folder is created if missing).</summary>
    public static void CheckFile(string typed)
    {
        var full = FullPath(typed);
        if (Directory.Exists(full))
            throw new IOException($"--out '{typed}' is a directory; expected the name of a file to write.");
        CheckNameLength(typed, Path.GetFileName(full));
        Probe(typed, Path.GetDirectoryName(full) ?? throw new IOException($"--out '{typed}' names no file."));
    }

    private static string FullPath(string typed)
    {
        try
        {
            return Path.GetFullPath(typed);
        }
        catch (ArgumentException)
        {
            throw new UsageException($"--out '{typed}' is not a valid path.");
        }
    }

    private static void CheckNameLength(string typed, string name)
    {
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxNameBytes)
            throw new UsageException($"--out '{typed}': a file or folder name in it is {name.Length} characters long" +
                $"{(bytes != name.Length ? $" ({bytes} bytes in UTF-8)" : "")}; file systems allow at most {MaxNameBytes} bytes per name.");
    }

    /// <summary>Makes the missing folders up to <paramref name="directory"/>, creates and deletes a file in it, and removes the folders it made.</summary>
    private static void Probe(string typed, string directory)
    {
        var missing = new Stack<string>();
        for (var existing = directory; !Directory.Exists(existing); existing = Path.GetDirectoryName(existing)!)
        {
            if (File.Exists(existing))
                throw new IOException($"--out '{typed}' cannot be created: '{existing}' is a file.");
            CheckNameLength(typed, Path.GetFileName(existing));
            missing.Push(existing);
        }
        var created = new Stack<string>();
        try
        {
            while (missing.TryPop(out var folder))
            {
                Directory.CreateDirectory(folder);
                created.Push(folder);
            }
            WriteAndDeleteCheckFile(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"--out '{typed}' cannot be written: {e.Message}", e);
        }
        finally
        {
            // Only the folders made here, innermost first, and only while empty.
            while (created.TryPop(out var folder))
            {
                try { Directory.Delete(folder, recursive: false); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
    }

    private static void WriteAndDeleteCheckFile(string directory)
    {
        var path = Path.Combine(directory, CheckFileName);
        if (Exists(path)) path = Path.Combine(directory, $"{CheckFileName}-{Guid.NewGuid():N}");
        // CreateNew: O_CREAT | O_EXCL, which fails on any existing name, a symbolic link included, and never truncates.
        using (new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1)) { }
        File.Delete(path);
    }

    /// <summary>Whether anything has the name: a file, a folder, or a link (even one that points nowhere).</summary>
    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;
}
