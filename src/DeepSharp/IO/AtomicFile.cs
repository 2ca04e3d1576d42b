using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace DeepSharp;

/// <summary>
/// Writes files so that a crash, a kill, a full disk or an exception half-way never leaves a broken file behind:
/// the content goes to a temporary file in the same directory, is flushed to disk, and only then renamed over the
/// target in one step. Readers see either the old file or the complete new one.
/// </summary>
/// <remarks>
/// <para>
/// The temporary file is created exclusively (<c>O_CREAT | O_EXCL</c>: it never opens an existing file, nor follows a
/// link planted at its name) beside the target, so that the rename is atomic on one file system. On failure it is
/// deleted and the previous file, if any, is left untouched. The rename replaces a link at the target's name by the
/// file, never the file the link points to. The new file gets default permissions, not those of the file it replaces.
/// </para>
/// <para>
/// A process killed while writing cannot delete its temporary file, so each one is named after its writer:
/// <c>.{target name}.deepsharp-{process id}-{host}-{random}.tmp</c>. Every write first removes the temporaries of this
/// library beside its target whose writer is gone: a process of this machine that no longer runs (or whose id now
/// belongs to a process started after the file was last written), or, whatever wrote them (another machine sharing
/// the folder, an older version of this library), those not written for <see cref="StaleAfter"/>. A temporary that
/// another live writer is filling is left alone.
/// </para>
/// </remarks>
public static partial class AtomicFile
{
    /// <summary>
    /// How long a temporary file of this library must have gone unwritten before any write beside it removes it, even
    /// when its writer may still run (another machine sharing the folder, a process id reused): one hour.
    /// </summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    private const string Marker = "deepsharp";
    private const int MaxTargetNameInTemporary = 100; // keeps the temporary's name within the 255 bytes file systems allow

    // The temporaries this process is writing now, so that a write on another thread never removes one.
    private static readonly ConcurrentDictionary<string, byte> Active = new(StringComparer.Ordinal);
    private static readonly string Host = HostTag();

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
        string temporary = ReserveTemporary(target);
        try
        {
            // CreateNew: O_CREAT | O_EXCL, which fails on any existing name, a link included, and never truncates.
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
        finally
        {
            Active.TryRemove(temporary, out _);
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

    /// <summary>
    /// Removes the temporary files of this library in <paramref name="directory"/> that no writer will finish (see the
    /// remarks of <see cref="AtomicFile"/>); returns how many were removed. Writes do this beside their target by
    /// themselves; call it to tidy a folder nothing writes into any more. Files that cannot be removed are left.
    /// </summary>
    public static int RemoveStaleTemporaries(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        int removed = 0;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, ".*.*");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        try
        {
            foreach (var file in candidates)
                if (IsStale(file) && TryDelete(file)) removed++;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The folder changed or became unreadable while it was listed: what is left waits for the next write.
        }
        return removed;
    }

    /// <summary>
    /// A new temporary file name beside <paramref name="target"/> (a full path) for a writer of this process, after the
    /// stale temporaries there were removed; the directory is created if missing. The caller creates the file
    /// exclusively, renames or deletes it, and calls <see cref="ReleaseTemporary"/>.
    /// </summary>
    internal static string ReserveTemporary(string target)
    {
        string directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        RemoveStaleTemporaries(directory);
        string name = Path.GetFileName(target);
        if (name.Length > MaxTargetNameInTemporary) name = name[..MaxTargetNameInTemporary];
        string random = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        string temporary = Path.Combine(directory, $".{name}.{Marker}-{Environment.ProcessId}-{Host}-{random}.tmp");
        Active[temporary] = 0;
        return temporary;
    }

    /// <summary>Ends a temporary of <see cref="ReserveTemporary"/>: it may be removed as stale once it is left behind.</summary>
    internal static void ReleaseTemporary(string temporary) => Active.TryRemove(temporary, out _);

    /// <summary>Whether <paramref name="path"/> is a temporary of this library that no writer will finish.</summary>
    internal static bool IsStale(string path)
    {
        string name = Path.GetFileName(path);
        var ours = TemporaryName().Match(name);
        bool legacy = !ours.Success && LegacyTemporaryName().IsMatch(name); // written by versions before the writer was in the name
        if (!ours.Success && !legacy) return false;
        DateTime written;
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null || !info.Exists) return false; // never ours: ours are regular files
            written = info.LastWriteTimeUtc;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        if (DateTime.UtcNow - written > StaleAfter) return true;
        if (legacy || ours.Groups["host"].Value != Host) return false; // a writer elsewhere: only its age tells
        if (!int.TryParse(ours.Groups["pid"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) return false;
        if (pid == Environment.ProcessId) return !Active.ContainsKey(path);
        return !IsRunningSince(pid, written);
    }

    /// <summary>Whether process <paramref name="pid"/> runs and started before <paramref name="writtenUtc"/> (so it may have written then).</summary>
    private static bool IsRunningSince(int pid, DateTime writtenUtc)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited) return false;
            // A process started after the file was last written did not write it: the id was reused. Two seconds of
            // slack cover clocks read at different precisions.
            return process.StartTime.ToUniversalTime() <= writtenUtc + TimeSpan.FromSeconds(2);
        }
        catch (ArgumentException)
        {
            return false; // no process has that id
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return true; // cannot tell: leave it to the age rule
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Eight hex digits naming this machine, so that a process id is only judged on the machine it belongs to.</summary>
    private static string HostTag()
    {
        uint hash = 2166136261; // FNV-1a: stable across runs and .NET versions, unlike string.GetHashCode
        foreach (char c in Environment.MachineName)
        {
            hash ^= c;
            hash *= 16777619;
        }
        return hash.ToString("x8", CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^\..+\.deepsharp-(?<pid>[0-9]{1,10})-(?<host>[0-9a-f]{8})-[0-9a-f]{16}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();

    [GeneratedRegex(@"^\..+\.[0-9a-f]{32}\.(tmp|part)$", RegexOptions.CultureInvariant)]
    private static partial Regex LegacyTemporaryName();
}
