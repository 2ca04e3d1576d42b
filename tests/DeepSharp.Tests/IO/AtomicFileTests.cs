using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.IO;

public class AtomicFileTests
{
    [Fact]
    public void Writes_a_new_file_and_creates_its_directory()
    {
        using var dir = new TempDirectory();
        string path = dir.File("models", "a.bin");

        AtomicFile.WriteAllBytes(path, [1, 2, 3]);

        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir.File("models")));
    }

    [Fact]
    public void Replaces_an_existing_file_whole()
    {
        using var dir = new TempDirectory();
        string path = dir.File("config.json");
        File.WriteAllText(path, "old content that is longer than the new one");

        AtomicFile.WriteAllText(path, "{\"new\": true}");

        Assert.Equal("{\"new\": true}", File.ReadAllText(path));
        Assert.Equal(13, new FileInfo(path).Length); // UTF-8 without a byte-order mark
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_failure_half_way_leaves_the_previous_file_and_no_temporary_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("weights.bin");
        File.WriteAllBytes(path, [9, 9, 9]);

        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[100_000]);
            throw new InvalidOperationException("disk on fire");
        }));

        Assert.Equal("disk on fire", e.Message);
        Assert.Equal([9, 9, 9], File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_failure_on_a_new_file_leaves_nothing()
    {
        using var dir = new TempDirectory();
        Assert.Throws<IOException>(() => AtomicFile.Write(dir.File("new.bin"), _ => throw new IOException("full")));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Refuses_to_write_over_a_directory()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("taken"));
        var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(dir.File("taken"), "x"));
        Assert.Contains("is a directory", e.Message);
        Assert.True(Directory.Exists(dir.File("taken")));
    }

    [Fact]
    public void A_long_file_name_still_gets_a_valid_temporary_name()
    {
        using var dir = new TempDirectory();
        string path = dir.File(new string('m', 240) + ".bin"); // 244 characters: a longer temporary name would not fit
        AtomicFile.WriteAllBytes(path, [4, 2]);
        Assert.Equal([4, 2], File.ReadAllBytes(path));
    }
}

/// <summary>What a killed writer leaves behind is removed by the next write beside it, and nothing else is.</summary>
public class AtomicFileTemporaryTests
{
    /// <summary>A temporary file named as a writer of process <paramref name="pid"/> on <paramref name="host"/> names it, last written <paramref name="age"/> ago.</summary>
    private static string Temporary(TempDirectory dir, string target, long pid, string? host = null, TimeSpan age = default)
    {
        var path = dir.File($".{target}.deepsharp-{pid}-{host ?? ThisHost()}-0123456789abcdef.tmp");
        File.WriteAllBytes(path, new byte[1000]);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        return path;
    }

    /// <summary>This machine's tag, read from the name of a temporary file of a write in progress.</summary>
    private static string ThisHost()
    {
        using var dir = new TempDirectory();
        string? seen = null;
        AtomicFile.Write(dir.File("probe"), _ => seen = Directory.GetFiles(dir.Path).Single());
        return Path.GetFileName(seen!).Split('-')[^2];
    }

    [Fact]
    public void The_temporary_file_is_named_after_the_target_and_this_process_and_is_gone_after_the_write()
    {
        using var dir = new TempDirectory();
        string? during = null;
        AtomicFile.Write(dir.File("model.dsm"), stream =>
        {
            stream.WriteByte(1);
            during = Path.GetFileName(Directory.GetFiles(dir.Path).Single());
        });
        Assert.Matches($@"^\.model\.dsm\.deepsharp-{Environment.ProcessId}-[0-9a-f]{{8}}-[0-9a-f]{{16}}\.tmp$", during);
        Assert.Equal([dir.File("model.dsm")], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_write_removes_the_temporaries_of_processes_that_are_gone_of_any_target_in_its_folder()
    {
        using var dir = new TempDirectory();
        var gone = Temporary(dir, "model.dsm", pid: int.MaxValue); // no process has that id
        var goneOther = Temporary(dir, "checkpoint.safetensors", pid: int.MaxValue - 1);

        AtomicFile.WriteAllText(dir.File("metrics.json"), "{}");

        Assert.False(File.Exists(gone));
        Assert.False(File.Exists(goneOther));
        Assert.Equal([dir.File("metrics.json")], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_temporary_of_a_live_process_that_may_be_writing_it_is_left_alone()
    {
        using var dir = new TempDirectory();
        using var sleeper = Sleeper();
        var live = Temporary(dir, "model.dsm", sleeper.Id);
        var init = Temporary(dir, "other.dsm", 1 /* init: started long before any file here was written */);

        AtomicFile.WriteAllText(dir.File("metrics.json"), "{}");

        Assert.True(File.Exists(live));
        Assert.True(File.Exists(init));
        Assert.Equal(0, AtomicFile.RemoveStaleTemporaries(dir.Path));
    }

    [Fact]
    public void A_temporary_whose_process_id_now_belongs_to_a_process_started_after_it_was_written_is_removed()
    {
        using var dir = new TempDirectory();
        using var sleeper = Sleeper();
        var reused = Temporary(dir, "model.dsm", sleeper.Id, age: TimeSpan.FromMinutes(10));

        Assert.Equal(1, AtomicFile.RemoveStaleTemporaries(dir.Path));
        Assert.False(File.Exists(reused));
    }

    [Fact]
    public void A_temporary_of_this_process_is_removed_unless_a_write_is_filling_it()
    {
        using var dir = new TempDirectory();
        var leftBehind = Temporary(dir, "model.dsm", Environment.ProcessId);
        int removedDuringWrite = -1;

        AtomicFile.Write(dir.File("a.bin"), _ => removedDuringWrite = AtomicFile.RemoveStaleTemporaries(dir.Path));

        Assert.Equal(0, removedDuringWrite); // the write's own temporary is kept, the one left behind was already gone
        Assert.False(File.Exists(leftBehind));
        Assert.Equal([dir.File("a.bin")], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Temporaries_of_other_machines_and_of_older_versions_are_removed_only_when_old()
    {
        using var dir = new TempDirectory();
        var otherHostYoung = Temporary(dir, "model.dsm", pid: int.MaxValue, host: "00000000", age: TimeSpan.FromMinutes(59));
        var otherHostOld = Temporary(dir, "model.dsm", pid: int.MaxValue, host: "00000001", age: TimeSpan.FromMinutes(61));
        var legacyYoung = dir.File($".model.dsm.{Guid.NewGuid():N}.tmp");
        var legacyOld = dir.File($".weights.bin.{Guid.NewGuid():N}.tmp");
        var legacyDownload = dir.File($".train.gz.{Guid.NewGuid():N}.part");
        foreach (var path in new[] { legacyYoung, legacyOld, legacyDownload }) File.WriteAllBytes(path, [1]);
        File.SetLastWriteTimeUtc(legacyOld, DateTime.UtcNow - AtomicFile.StaleAfter - TimeSpan.FromMinutes(1));
        File.SetLastWriteTimeUtc(legacyDownload, DateTime.UtcNow - TimeSpan.FromDays(3));

        Assert.Equal(3, AtomicFile.RemoveStaleTemporaries(dir.Path));

        Assert.Equal(new[] { otherHostYoung, legacyYoung }.Order(), Directory.GetFiles(dir.Path).Order());
        Assert.False(File.Exists(otherHostOld));
    }

    [Fact]
    public void Files_that_are_not_temporaries_of_this_library_are_never_removed()
    {
        using var dir = new TempDirectory();
        string[] names = [".model.dsm", ".model.dsm.tmp", "model.dsm.deepsharp-1-abcdef01-0123456789abcdef.tmp", ".x.deepsharp-12-abcdef01-0123.tmp",
            ".x.deepsharp-notapid-abcdef01-0123456789abcdef.tmp", "notes.tmp", ".cache"];
        foreach (var name in names)
        {
            File.WriteAllBytes(dir.File(name), [1]);
            File.SetLastWriteTimeUtc(dir.File(name), DateTime.UtcNow - TimeSpan.FromDays(30));
        }

        Assert.Equal(0, AtomicFile.RemoveStaleTemporaries(dir.Path));
        AtomicFile.WriteAllText(dir.File("metrics.json"), "{}");
        Assert.Equal(names.Length + 1, Directory.GetFiles(dir.Path).Length);
    }

    [Fact]
    public void A_link_at_the_target_is_replaced_and_the_file_it_points_to_is_left_untouched()
    {
        using var dir = new TempDirectory();
        var victim = dir.File("victim.txt");
        File.WriteAllText(victim, "precious");
        File.CreateSymbolicLink(dir.File("model.dsm"), victim);

        AtomicFile.WriteAllText(dir.File("model.dsm"), "new model");

        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Null(new FileInfo(dir.File("model.dsm")).LinkTarget);
        Assert.Equal("new model", File.ReadAllText(dir.File("model.dsm")));
    }

    [Fact]
    public void A_link_named_like_a_stale_temporary_is_not_followed_nor_removed()
    {
        using var dir = new TempDirectory();
        var victim = dir.File("victim.txt");
        File.WriteAllText(victim, "precious");
        var link = dir.File($".model.dsm.deepsharp-{int.MaxValue}-00000000-0123456789abcdef.tmp");
        File.CreateSymbolicLink(link, victim);

        Assert.Equal(0, AtomicFile.RemoveStaleTemporaries(dir.Path));
        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.NotNull(new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void A_folder_that_does_not_exist_has_nothing_to_remove()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, AtomicFile.RemoveStaleTemporaries(dir.File("missing")));
    }

    /// <summary>A process that runs until disposed, started now.</summary>
    private static SleepingProcess Sleeper() => new(System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "600") { UseShellExecute = false })!);

    private sealed class SleepingProcess(System.Diagnostics.Process process) : IDisposable
    {
        public int Id => process.Id;

        public void Dispose()
        {
            process.Kill();
            process.WaitForExit();
            process.Dispose();
        }
    }
}
