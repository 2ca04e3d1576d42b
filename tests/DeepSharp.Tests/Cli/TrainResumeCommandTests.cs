using System.Text.Json.Nodes;
using DeepSharp.Examples;
using DeepSharp.Tests.Callbacks;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Cli;

/// <summary>
/// <c>deepsharp train</c> stopped by Ctrl-C, SIGTERM or a kill, and continued with <c>--resume</c>: the run folder says
/// whether its run finished, and the continued run ends with the weights of the run never stopped, bit for bit.
/// </summary>
public class TrainResumeCommandTests(TrainResumeCommandTests.UninterruptedRun uninterrupted) : IClassFixture<TrainResumeCommandTests.UninterruptedRun>
{
    private readonly UninterruptedRun _uninterrupted = uninterrupted;

    /// <summary>The run the stopped ones are compared with, never stopped: trained once, when a test first asks for it.</summary>
    public sealed class UninterruptedRun : IDisposable
    {
        private readonly TempDirectory _dir = new();
        private readonly Lazy<string> _directory;

        public UninterruptedRun() => _directory = new(() =>
        {
            var directory = Path.Combine(_dir.Path, "whole");
            var (code, output, error) = CliInProcess.Run(Mlp(directory, limit: 1000, epochs: Epochs));
            Assert.True(code == 0, output + error);
            return directory;
        });

        public string Directory => _directory.Value;

        public void Dispose() => _dir.Dispose();
    }

    /// <summary>
    /// Epochs of the runs stopped by Ctrl-C and resumed (29 batches each): the latest Ctrl-C is sent as epoch 6 begins, so
    /// that at least 145 batches are still to run when the test sends it. The test must send it before the run ends, and
    /// cannot make the child wait for it; a run this long leaves it seconds even on a loaded machine.
    /// </summary>
    private const int Epochs = 10;

    private static string[] Mlp(string directory, int limit = 200, int epochs = 2, params string[] more) =>
        ["train", "mlp", "--limit", $"{limit}", "--epochs", $"{epochs}", "--threads", "1", "--verbose", "0",
            "--data", SharedData.Directory, "--out", directory, .. more];

    private static JsonObject Metrics(string directory) => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "metrics.json")))!;

    private static string Checkpoint(string directory) => Path.Combine(directory, BackupAndRestore.CheckpointFileName);

    private static string[] Temporaries(string directory) => Directory.GetFiles(directory, ".*.tmp");

    [Fact]
    public void A_finished_run_records_its_command_line_says_complete_last_and_keeps_no_backup()
    {
        using var dir = new TempDirectory();
        var (code, output, error) = CliInProcess.Run(Mlp(dir.Path));

        Assert.True(code == 0, output + error);
        Assert.True((bool)Metrics(dir.Path)["complete"]!);
        Assert.False(File.Exists(Checkpoint(dir.Path)));
        Assert.Equal(Mlp(dir.Path)[1..], RunFolder.ReadArguments(dir.Path));
        Assert.Equal(["curves.png", "history.csv", "metrics.json", "model.dsm", "run.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order());
        Assert.EndsWith(", metrics.json", output.Split('\n').First(line => line.StartsWith("Wrote")).TrimEnd());
    }

    [Fact]
    public void A_run_that_fails_before_its_last_file_writes_no_metrics_and_resumes_from_its_final_backup()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "model.dsm")); // the model cannot be written: the run fails at its very end

        var (code, _, error) = CliInProcess.Run(Mlp(dir.Path));

        Assert.Equal(1, code);
        Assert.Contains("is a directory", error);
        Assert.False(File.Exists(Path.Combine(dir.Path, "metrics.json"))); // written last, so not at all
        Assert.True(TrainingCheckpoint.Load(Checkpoint(dir.Path)).IsFinished);

        Directory.Delete(Path.Combine(dir.Path, "model.dsm"));
        var (resumed, output, error2) = CliInProcess.Run("train", "--resume", dir.Path);
        Assert.True(resumed == 0, output + error2);
        Assert.True((bool)Metrics(dir.Path)["complete"]!);
        Assert.Equal(2, ((JsonArray)Metrics(dir.Path)["history"]!["loss"]!).Count);
        Assert.False(File.Exists(Checkpoint(dir.Path)));
    }

    /// <summary>
    /// Ctrl-C at three points of a run of <see cref="Epochs"/> epochs of 29 batches: just after its first backup, as epoch 3
    /// begins and as epoch 6 begins (the child finishes the batch it is in, so each lands at some batch of that epoch or
    /// later). Each is sent once the child shows that its handler is listening and a batch is under way: the backup and
    /// the epoch's line come after Fit's train begin, where the handler is installed.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(6)]
    public void Ctrl_c_finishes_the_batch_backs_up_exits_130_and_resume_ends_with_the_weights_of_the_run_never_stopped(int epoch)
    {
        using var dir = new TempDirectory();
        var stopped = Path.Combine(dir.Path, "stopped");
        string[] args = ["train", "mlp", "--limit", "1000", "--epochs", $"{Epochs}", "--threads", "1", "--verbose", "2",
            "--data", SharedData.Directory, "--out", stopped, "--save-freq", "2"];

        using (var child = new CliChild(args))
        {
            if (epoch == 0) child.WaitUntil(() => File.Exists(Checkpoint(stopped)), "its first backup");
            else child.WaitUntil(() => child.Output.Contains($"Epoch {epoch}/{Epochs}"), $"epoch {epoch}");
            child.Signal(CliChild.SigInt);
            Assert.Equal(RunFolder.InterruptedExitCode, child.WaitForExit());
            Assert.Contains("Interrupted (Ctrl-C)", child.Output);
            Assert.Contains($"deepsharp train --resume {stopped}", child.Output);
            Assert.Contains("finishing the current batch", child.Error);
        }
        var metrics = Metrics(stopped);
        Assert.False((bool)metrics["complete"]!);
        Assert.StartsWith("Interrupted (Ctrl-C)", (string?)metrics["interrupted"]!["reason"]);
        Assert.False(File.Exists(Path.Combine(stopped, "model.dsm")));
        var checkpoint = TrainingCheckpoint.Load(Checkpoint(stopped));
        Assert.Equal("Ctrl-C", checkpoint.InterruptReason);
        Assert.True(checkpoint.Epoch >= Math.Max(epoch - 1, 0) && checkpoint.Iterations > 0 && !checkpoint.IsFinished,
            $"stopped in epoch {checkpoint.Epoch + 1} after batch {checkpoint.Step}");

        var (code, output, error) = CliInProcess.Run("train", "mlp", "--resume", stopped, "--verbose", "0");
        Assert.True(code == 0, output + error);
        Assert.Contains("Resuming the run", output);
        Assert.True((bool)Metrics(stopped)["complete"]!);

        var whole = _uninterrupted.Directory;
        BackupAndRestoreTests.AssertSameWeights(Model.Load(Path.Combine(whole, "model.dsm")), Model.Load(Path.Combine(stopped, "model.dsm")));
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "history.csv")), File.ReadAllText(Path.Combine(stopped, "history.csv")));
    }

    [Fact]
    public void Sigterm_stops_the_run_as_ctrl_c_does()
    {
        using var dir = new TempDirectory();
        using var child = new CliChild(Mlp(dir.Path, limit: 1000, epochs: 50, "--save-freq", "1"));
        child.WaitUntil(() => File.Exists(Checkpoint(dir.Path)), "its first backup");

        child.Signal(CliChild.SigTerm);

        Assert.Equal(RunFolder.InterruptedExitCode, child.WaitForExit());
        Assert.Equal("SIGTERM", TrainingCheckpoint.Load(Checkpoint(dir.Path)).InterruptReason);
        Assert.False((bool)Metrics(dir.Path)["complete"]!);
    }

    [Fact]
    public void A_second_ctrl_c_ends_the_run_at_once()
    {
        using var dir = new TempDirectory();
        // Batches of 8192 images of the CNN: the first Ctrl-C waits for one to finish, the second does not.
        using var child = new CliChild("train", "cnn", "--limit", "16384", "--batch-size", "8192", "--epochs", "1000", "--threads", "1",
            "--verbose", "2", "--data", SharedData.Directory, "--out", dir.Path);
        child.WaitUntil(() => child.Output.Contains("Epoch 1/1000"), "its first epoch");

        child.Signal(CliChild.SigInt);
        child.WaitUntil(() => child.Error.Contains("press Ctrl-C again"), "the first Ctrl-C's message");
        child.Signal(CliChild.SigInt);

        Assert.Equal(130, child.WaitForExit());
        Assert.DoesNotContain("Continue with", child.Output); // it did not get to write its files
        Assert.False(File.Exists(Path.Combine(dir.Path, "metrics.json")));
    }

    [Fact]
    public void A_kill_during_a_backup_leaves_the_previous_one_whole_and_the_next_backup_removes_what_it_left()
    {
        using var dir = new TempDirectory();
        string[] args = Mlp(dir.Path, limit: 1000, epochs: 2, "--save-freq", "1");
        // The child is frozen (SIGSTOP) when a backup after its first is seen being written, and killed if it still is: so
        // the kill lands inside a write. It backs up after every batch; one that ends before the test sees a write is
        // started again.
        int children = 0;
        bool killed = false;
        while (!killed)
        {
            Assert.True(children++ < 10, $"the test saw none of the backups of {children - 1} runs being written");
            if (Directory.Exists(dir.Path)) Directory.Delete(dir.Path, recursive: true);
            using var child = new CliChild(args);
            bool Writing() => File.Exists(Checkpoint(dir.Path)) && Temporaries(dir.Path).Length > 0;
            while (!killed && child.TryWaitUntil(Writing, "writing a backup"))
            {
                child.Freeze();
                if (!Writing())
                {
                    child.Thaw(); // the write ended meanwhile: watch for the next
                    continue;
                }
                child.Signal(CliChild.SigKill);
                Assert.Equal(128 + CliChild.SigKill, child.WaitForExit());
                killed = true;
            }
            if (!killed) Assert.Equal(0, child.WaitForExit());
        }
        Assert.NotEmpty(Temporaries(dir.Path));
        Assert.True(TrainingCheckpoint.Load(Checkpoint(dir.Path)).Iterations > 0); // whole: the previous backup
        Assert.False(File.Exists(Path.Combine(dir.Path, "metrics.json")));

        var (code, output, error) = CliInProcess.Run("train", "--resume", dir.Path);

        Assert.True(code == 0, output + error);
        Assert.Empty(Temporaries(dir.Path));
        Assert.True((bool)Metrics(dir.Path)["complete"]!);
    }

    [Fact]
    public void A_new_run_into_the_folder_of_one_that_did_not_finish_is_refused_with_the_way_to_continue_it()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(Checkpoint(dir.Path), "a backup");

        var (code, _, error) = CliInProcess.Run(Mlp(dir.Path));

        Assert.Equal(1, code);
        Assert.Contains("holds the backup of a run that did not finish", error);
        Assert.Contains($"deepsharp train --resume {dir.Path}", error);
        Assert.Equal("a backup", File.ReadAllText(Checkpoint(dir.Path)));
    }

    [Fact]
    public void Resume_takes_the_recorded_options_and_refuses_others()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, CliInProcess.Run(Mlp(dir.Path)).Code);

        var other = CliInProcess.Run("train", "--resume", dir.Path, "--epochs", "5");
        Assert.Equal(2, other.Code);
        Assert.Contains("with --resume, only --verbose and --data may be given", other.Error);
        Assert.Contains("got --epochs", other.Error);

        var wrongExample = CliInProcess.Run("train", "cnn", "--resume", dir.Path);
        Assert.Equal(2, wrongExample.Code);
        Assert.Contains("trains mlp, not cnn", wrongExample.Error);

        var complete = CliInProcess.Run("train", "--resume", dir.Path, "--verbose", "0");
        Assert.Equal(1, complete.Code);
        Assert.Contains("is complete", complete.Error);

        var missing = CliInProcess.Run("train", "--resume", Path.Combine(dir.Path, "nothing"));
        Assert.Equal(1, missing.Code);
        Assert.Contains("no such directory", missing.Error);

        var notARun = CliInProcess.Run("train", "--resume", SharedData.Directory);
        Assert.Equal(1, notARun.Code);
        Assert.Contains("has no run.json", notARun.Error);

        var gan = CliInProcess.Run("train", "gan", "--save-freq", "3");
        Assert.Equal(2, gan.Code);
        Assert.Contains("--resume and --save-freq are for mlp, cnn, lstm, gru and vit", gan.Error);
    }

    [Fact]
    public void Train_gan_refuses_balanced_ranks_which_only_fit_applies()
    {
        var gan = CliInProcess.Run("train", "gan", "--balance");
        Assert.Equal(2, gan.Code);
        Assert.Contains("--balance is for the examples Fit trains", gan.Error);
    }
}
