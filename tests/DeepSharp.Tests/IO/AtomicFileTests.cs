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
