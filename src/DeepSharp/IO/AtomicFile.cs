using System.Text;

namespace DeepSharp;

/// <summary>
/// Writes files so that a crash, a full disk or an exception half-way never leaves a broken file behind: the
/// content goes to a temporary file in the same directory, is flushed to disk, and only then renamed over the
/// target in one step. Readers see either the old file or the complete new one.
/// </summary>
/// <remarks>
/// The rename is atomic on one file system (the temporary file is created beside the target for that reason).
/// On failure the temporary file is deleted and the previous file, if any, is left untouched. The new file
/// gets default permissions, not those of the file it replaces.
/// </remarks>
public static class AtomicFile
{
    /// <summary>Writes the file at <paramref name="path"/> with whatever <paramref name="write"/> puts into the stream.</summary>
    /// <param name="path">The file to create or replace. Its directory is created if missing.</param>
    /// <param name="write">Writes the content. If it throws, the target is left as it was and the exception propagates.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        if (Directory.Exists(target))
            throw new IOException($"AtomicFile: '{target}' is a directory; cannot write a file there.");
        string directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        // A dot-name in the target's directory: hidden, and on the same file system so the rename is atomic.
        string name = Path.GetFileName(target);
        if (name.Length > 100) name = name[..100]; // keep within file-name length limits
        string temporary = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to the file at <paramref name="path"/>, atomically.</summary>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) to the file at <paramref name="path"/>, atomically.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true);
            writer.Write(text);
        });
    }
}
