using DeepSharp.Cli;
using DeepSharp.Tests.Data;
using static DeepSharp.Tests.Cli.CliInProcess;

namespace DeepSharp.Tests.Cli;

/// <summary>The check that --out can be written: before any work, touching no existing file, leaving nothing behind.</summary>
public class OutputPathTests
{
    /// <summary>Trains with --data pointing nowhere: the --out check passes, then the run stops on the data.</summary>
    private static (int Code, string Output, string Error) TrainWithoutData(string outDirectory, TempDirectory dir) =>
        Run("train", "mlp", "--epochs", "1", "--out", outDirectory, "--data", dir.File("no-data-here"));

    [Fact]
    public void A_symbolic_link_planted_at_the_check_files_name_is_never_followed()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        Directory.CreateDirectory(run);
        var precious = dir.File("precious.txt");
        File.WriteAllText(precious, "keep me");
        var link = Path.Combine(run, OutputPath.CheckFileName); // the name this process checks with
        File.CreateSymbolicLink(link, precious);

        var (code, _, error) = TrainWithoutData(run, dir);

        Assert.Equal(1, code);
        Assert.Contains("no-data-here", error); // the check passed; the data failed
        Assert.DoesNotContain("--out", error);
        Assert.Equal("keep me", File.ReadAllText(precious));
        Assert.Equal(precious, new FileInfo(link).LinkTarget);
        Assert.Equal([link], Directory.GetFileSystemEntries(run));
    }

    [Fact]
    public void A_dangling_link_at_the_check_files_name_creates_nothing_where_it_points()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        Directory.CreateDirectory(run);
        var target = dir.File("created-through-the-link");
        File.CreateSymbolicLink(Path.Combine(run, OutputPath.CheckFileName), target);

        var (code, _, error) = TrainWithoutData(run, dir);

        Assert.Equal(1, code);
        Assert.Contains("no-data-here", error);
        Assert.False(File.Exists(target));
        Assert.Single(Directory.GetFileSystemEntries(run));
    }

    [Fact]
    public void Folders_the_check_makes_are_removed_when_the_run_fails()
    {
        using var dir = new TempDirectory();

        var (code, _, error) = TrainWithoutData(dir.File("a", "b", "c"), dir);

        Assert.Equal(1, code);
        Assert.Contains("no-data-here", error);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_300_character_name_is_refused_before_any_work()
    {
        using var dir = new TempDirectory();
        var name = new string('a', 300);

        // No --data: were the name checked only when writing, this would train (or fail on the data) first.
        var train = Run("train", "mlp", "--epochs", "1", "--out", dir.File("runs", name));
        var generate = Run("generate", "--model", dir.File("missing.dsm"), "--out", dir.File(name + ".png"));
        var predict = Run("predict", "--model", dir.File("missing.dsm"), dir.File("missing.png"), "--out", dir.File(name + ".csv"));

        foreach (var (code, output, error) in new[] { train, generate, predict })
        {
            Assert.Equal(2, code);
            Assert.Contains("is 30", error); // 300 or 304 characters
            Assert.Contains("file systems allow at most 255 bytes per name", error);
            Assert.DoesNotContain("Loading", output);
        }
        Assert.Contains($"--out '{dir.File("runs", name)}': a file or folder name in it is 300 characters long", train.Error);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void An_out_file_that_is_a_directory_is_refused()
    {
        using var dir = new TempDirectory();

        var (code, _, error) = Run("generate", "--model", dir.File("missing.dsm"), "--out", dir.Path);

        Assert.Equal(1, code);
        Assert.Contains($"--out '{dir.Path}' is a directory; expected the name of a file to write.", error);
    }
}
