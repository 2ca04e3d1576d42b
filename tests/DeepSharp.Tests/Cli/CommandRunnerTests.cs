using DeepSharp.Cli;
using static DeepSharp.Tests.Cli.CliInProcess;

namespace DeepSharp.Tests.Cli;

/// <summary>What a user sees from the command line: help, info, and failures as messages rather than stack traces.</summary>
public class CommandRunnerTests
{
    [Fact]
    public void Help_lists_every_command()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        foreach (var command in new[] { "train", "evaluate", "predict", "augment", "info" })
            Assert.Contains($"  {command}", output);
    }

    [Fact]
    public void Info_prints_version_simd_cores_and_the_thread_setting()
    {
        int threads = Parallelism.Threads;
        try
        {
            var (code, output, _) = Run("info", "--threads", "1");
            Assert.Equal(0, code);
            Assert.Matches(@"DeepSharp \d+\.\d+\.\d+", output);
            Assert.Contains($"cores        {Environment.ProcessorCount}", output);
            Assert.Contains("threads      1", output);
            Assert.Matches(@"simd         (Vector512|Vector256|Vector128|scalar)", output);
        }
        finally
        {
            Parallelism.Threads = threads;
        }
    }

    [Fact]
    public void Info_says_whether_the_binary_is_jit_compiled_or_NativeAOT()
    {
        var (code, output, _) = Run("info");
        Assert.Equal(0, code);
        Assert.Matches(@"runtime      \.NET \d+\.\d+\.\d+ \(JIT\)", output);
    }

    [Fact]
    public void Check_saving_is_hidden_from_the_command_list_but_runs_and_keeps_its_files_in_the_given_directory()
    {
        Assert.DoesNotContain("check-saving", Run("--help").Output);
        var directory = Path.Combine(Path.GetTempPath(), $"deepsharp-check-saving-test-{Guid.NewGuid():N}");
        try
        {
            var (code, output, error) = Run("check-saving", "--out", directory);
            Assert.True(code == 0, output + error);
            Assert.Contains("functional  saved ", output);
            Assert.True(File.Exists(Path.Combine(directory, "lstm.dsm")));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void An_unknown_command_exits_with_2_and_the_usage()
    {
        var (code, _, error) = Run("trian");
        Assert.Equal(2, code);
        Assert.Contains("unknown command 'trian'", error);
        Assert.Contains("Usage: deepsharp <command>", error);
    }

    [Fact]
    public void A_truncated_model_file_exits_with_1_and_a_message_without_a_stack_trace()
    {
        string path = Path.Combine(Path.GetTempPath(), $"deepsharp-truncated-{Guid.NewGuid():N}.dsm");
        File.WriteAllBytes(path, [1, 2, 3]);
        try
        {
            var (code, _, error) = Run("evaluate", "--model", path);
            Assert.Equal(1, code);
            Assert.StartsWith("deepsharp evaluate: ", error);
            Assert.Contains(Path.GetFileName(path), error);
            Assert.DoesNotContain("   at ", error);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_data_directory_that_does_not_exist_is_named_rather_than_searched_past()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"deepsharp-no-such-dir-{Guid.NewGuid():N}");
        var (code, _, error) = Run("train", "mlp", "--epochs", "1", "--data", missing, "--out", Path.Combine(missing, "out"));
        Assert.Equal(1, code);
        Assert.Contains(missing, error);
        Assert.Contains("does not exist", error);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void A_missing_model_file_exits_with_1_and_names_it_without_the_usage()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"deepsharp-no-model-{Guid.NewGuid():N}.dsm");
        foreach (var args in new[] { new[] { "evaluate", "--model", missing }, ["generate", "--model", missing, "--out", "unused.png"] })
        {
            var (code, _, error) = Run(args);
            Assert.Equal(1, code);
            Assert.Contains($"'{missing}' does not exist", error);
            Assert.DoesNotContain("Usage:", error);
        }
        var (directoryCode, _, directoryError) = Run("evaluate", "--model", Path.GetTempPath());
        Assert.Equal(1, directoryCode);
        Assert.Contains("is a directory", directoryError);
    }

    [Fact]
    public void Train_lists_lstm_and_gru()
    {
        var output = new StringWriter();
        DeepSharp.Cli.CommandRunner.Run(["train", "--help"], output, output);
        Assert.Contains("lstm", output.ToString());
        Assert.Contains("gru", output.ToString());
    }

    [Fact]
    public void Train_without_an_example_lists_every_example_including_gan()
    {
        var (code, _, error) = Run("train");
        Assert.Equal(2, code);
        Assert.Contains("which example? mlp, cnn, lstm, gru, vit, resnet, gan, charlm.", error);
    }

    [Fact]
    public void A_stray_word_after_a_flag_is_refused_before_training()
    {
        // "--augment extra": the word is only known to be stray once the example has read its flags.
        var (code, output, error) = Run("train", "cnn", "--epochs", "1", "--augment", "extra");
        Assert.Equal(2, code);
        Assert.Contains("unexpected argument 'extra'", error);
        Assert.DoesNotContain("Loading", output);
    }

    [Fact]
    public void An_output_path_that_cannot_be_created_fails_before_training()
    {
        string file = Path.Combine(Path.GetTempPath(), $"deepsharp-out-file-{Guid.NewGuid():N}");
        File.WriteAllText(file, "not a directory");
        try
        {
            // No --data: were the path checked only after training, this would train (or fail on the data) first.
            var (code, output, error) = Run("train", "mlp", "--epochs", "1", "--out", Path.Combine(file, "run"));
            Assert.Equal(1, code);
            Assert.Contains($"'{file}' is a file", error);
            Assert.DoesNotContain("Loading", output);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
