using System.Diagnostics;
using System.Text.Json.Nodes;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Distributed;

namespace DeepSharp.Tests.Cli;

/// <summary>
/// The deepsharp command under a real <c>mpirun -np 2</c>: train runs data-parallel with rank 0 alone printing and writing,
/// info names the rank and the library, a killed rank ends the run with a message; without Open MPI, a run asked for
/// gives the advice to install it.
/// </summary>
public class DistributedTrainCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static int Count(string text, string part) => text.Split(part).Length - 1;

    [Fact]
    public void Train_mlp_under_mpirun_trains_over_both_ranks_and_rank_0_alone_prints_and_writes()
    {
        using var dir = new Plots.TempDirectory();
        var run = MpiRun.Cli(2, Timeout, "train", "mlp", "--limit", "600", "--epochs", "2", "--batch-size", "64", "--verbose", "2",
            "--data", SharedData.Directory, "--out", dir.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, Count(run.Output, "Data-parallel over 2 ranks (Open MPI v"));
        Assert.Equal(1, Count(run.Output, "Epoch 2/2"));
        Assert.Equal(1, Count(run.Output, "Test loss: "));
        Assert.Equal(1, Count(run.Output, "Wrote "));
        var metrics = JsonNode.Parse(File.ReadAllText(dir.File("metrics.json")))!;
        Assert.Equal(2, metrics["world_size"]!.GetValue<int>());
        Assert.Equal(64, metrics["batch_size"]!.GetValue<int>());
        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), metrics["threads"]!.GetValue<int>());   // the cores shared by the ranks
        Assert.Equal(2, metrics["history"]!["val_accuracy"]!.AsArray().Count);
        Assert.True(File.Exists(dir.File("model.dsm")));
        Assert.Empty(Directory.GetFiles(dir.Path, ".deepsharp-write-check-*"));
    }

    [Fact]
    public void Train_mlp_with_balanced_ranks_sets_shares_by_speed_and_records_it()
    {
        using var dir = new Plots.TempDirectory();
        var run = MpiRun.Cli(2, Timeout, "train", "mlp", "--limit", "600", "--epochs", "2", "--batch-size", "64", "--verbose", "0",
            "--balance", "--data", SharedData.Directory, "--out", dir.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, Count(run.Output, "; shares of each batch by the ranks' speed"));
        var metrics = JsonNode.Parse(File.ReadAllText(dir.File("metrics.json")))!;
        Assert.True(metrics["balance_ranks"]!.GetValue<bool>());
        Assert.Equal(2, metrics["history"]!["val_accuracy"]!.AsArray().Count);
    }

    [Fact]
    public void Train_gan_under_mpirun_trains_both_models_and_the_classifier_data_parallel()
    {
        using var dir = new Plots.TempDirectory();
        var run = MpiRun.Cli(2, Timeout, "train", "gan", "--arch", "mlp", "--epochs", "1", "--batch-size", "32", "--train-images", "128",
            "--samples", "50", "--classifier-epochs", "1", "--limit", "300", "--scale-lr", "--warmup", "1", "--verbose", "0",
            "--data", SharedData.Directory, "--out", dir.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, Count(run.Output, "Epoch 1/1"));
        var metrics = JsonNode.Parse(File.ReadAllText(dir.File("metrics.json")))!;
        Assert.Equal(2, metrics["world_size"]!.GetValue<int>());
        Assert.Equal(64, metrics["batch_size"]!.GetValue<int>());          // --scale-lr: 32 a rank
        Assert.Equal(32, metrics["batch_size_per_rank"]!.GetValue<int>());
        Assert.Equal(2, metrics["learning_rate_scale"]!.GetValue<int>());
        Assert.True(double.IsFinite(metrics["history"]!["d_loss"]![0]!.GetValue<double>()));
        Assert.True(File.Exists(dir.File("generator.dsm")) && File.Exists(dir.File("samples-epoch-01.png")));
    }

    [Fact]
    public void Info_under_mpirun_names_the_rank_and_the_library()
    {
        var run = MpiRun.Cli(2, Timeout, "info");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, Count(run.Output, "DeepSharp "));
        Assert.Contains("ranks        rank 0 of 2 (2 on this host)", run.Output);
        Assert.Contains("open mpi     Open MPI v", run.Output);
        Assert.Contains(" per rank", run.Output);
    }

    [Fact]
    public void Killing_one_rank_of_a_running_train_ends_the_other_within_30_seconds_with_a_message()
    {
        using var dir = new Plots.TempDirectory();
        using var run = new MpiRun.Running(2, "train", "mlp", "--limit", "2000", "--epochs", "10000", "--verbose", "2",
            "--data", SharedData.Directory, "--out", dir.Path);
        run.WaitFor("Epoch 2/10000", TimeSpan.FromMinutes(2));     // training is under way
        var clock = Stopwatch.StartNew();
        Process.GetProcessById(run.RankProcess(1)).Kill();          // SIGKILL: no handler runs
        var result = run.Finish(TimeSpan.FromSeconds(90));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the run took {clock.Elapsed.TotalSeconds:0.0} s to end after the kill\n{result}");
        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("DeepSharp rank 0 of 2: rank 1 (pid ", result.Error);
        Assert.Contains("was lost", result.Error);
        Assert.False(File.Exists(dir.File("model.dsm")));
    }

    /// <summary>The command alone, with the environment of a launch whose Open MPI library is missing.</summary>
    private static (int ExitCode, string Output, string Error) WithoutOpenMpi(bool launched, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DEEPSHARP_MPI_LIBRARY"] = "libdeepsharp-no-such-mpi.so.40";
        if (launched)
            foreach (var (name, value) in new[] { ("OMPI_COMM_WORLD_SIZE", "2"), ("OMPI_COMM_WORLD_RANK", "0"), ("OMPI_COMM_WORLD_LOCAL_SIZE", "2"), ("OMPI_COMM_WORLD_LOCAL_RANK", "0") })
                start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) process.Kill(entireProcessTree: true);
        return (process.ExitCode, output.Result, error.Result);
    }

    [Fact]
    public void Without_Open_MPI_a_distributed_train_says_what_to_install_and_info_says_so_too()
    {
        var (code, _, error) = WithoutOpenMpi(launched: true, "train", "mlp", "--limit", "100", "--epochs", "1", "--data", SharedData.Directory);
        Assert.Equal(1, code);
        Assert.Contains("deepsharp train: Open MPI's library 'libdeepsharp-no-such-mpi.so.40' could not be loaded.", error);
        Assert.Contains("apt-get install openmpi-bin", error);
        Assert.DoesNotContain("internal error", error);

        var info = WithoutOpenMpi(launched: false, "info");
        Assert.Equal(0, info.ExitCode);
        Assert.Contains("ranks        1 (a single process", info.Output);
        Assert.Contains("open mpi     not found: Open MPI's library 'libdeepsharp-no-such-mpi.so.40' could not be loaded.", info.Output);
    }
}
