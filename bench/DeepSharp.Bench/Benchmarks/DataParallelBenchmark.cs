using System.Diagnostics;
using System.Globalization;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Data-parallel training over Open MPI on one host: the seed MLP (batch 128) and the seed CNN (batch 32) trained with
/// Fit on the first 8,192 Fashion-MNIST images by one rank with one kernel thread, and by two ranks with one thread each,
/// both with the same global batch (half a batch a rank: the same training as one rank) and with the batch per rank (a
/// global batch twice as large, Horovod's habit). Every run is a process of its own under mpirun, one rank a core
/// (this program in its worker mode, never with TorchSharp loaded), ten epochs, timed on the last five. The speed-up
/// rows divide a two-rank figure by the one-rank figure. Needs mpirun (tools/install-openmpi.sh).
/// </summary>
/// <remarks>
/// The one-rank run is started like the others, by mpirun and bound to one core: a plain process is free to run the
/// runtime's JIT and GC threads on the idle second core (it used 1.1–1.2 cores), which two ranks cannot. The first five
/// epochs are warm-up: tiered compilation recompiles the hot methods during the second to fourth epoch, and with two
/// ranks on two cores that recompilation stalls both ranks.
/// </remarks>
internal sealed class DataParallelBenchmark : IBenchmark
{
    /// <summary>The first argument of the worker mode.</summary>
    public const string WorkerMode = "data-parallel-worker";

    private const int Samples = 8192;
    private const int Epochs = 10;
    private const int TimedEpochs = 5;

    public string Name => "data-parallel";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        foreach (var (model, batch) in new[] { ("mlp", 128), ("cnn", 32) })
        {
            double one = Measure(ranks: 1, model, batch);
            double same = Measure(ranks: 2, model, batch);
            double perRank = Measure(ranks: 2, model, 2 * batch);
            double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(model == "cnn" ? DeepSharp.Examples.SeedModels.Cnn(10) : DeepSharp.Examples.SeedModels.Mlp(10));
            yield return new BenchmarkResult($"{model} b{batch}: 1 rank × t1", one, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} b{batch}: 2 ranks × t1, b{batch / 2} a rank", same, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} b{batch}: 2 ranks × t1, b{batch} a rank", perRank, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} speed-up, 2 ranks, same global batch", same / one, double.NaN, BenchmarkUnit.Times);
            yield return new BenchmarkResult($"{model} speed-up, 2 ranks, batch per rank", perRank / one, double.NaN, BenchmarkUnit.Times);
        }
    }

    /// <summary>Samples per second of a worker run on <paramref name="ranks"/> ranks, each bound to a core by mpirun.</summary>
    private static double Measure(int ranks, string model, int globalBatch)
    {
        var self = Path.Combine(AppContext.BaseDirectory, "DeepSharp.Bench.dll");
        string[] worker = ["dotnet", self, WorkerMode, model, globalBatch.ToString(CultureInfo.InvariantCulture)];
        var start = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Environment.IsPrivilegedProcess) start.ArgumentList.Add("--allow-run-as-root");
        // One kernel thread a rank: each rank on a core of its own, so that its communication thread, when it runs,
        // takes time from its own rank and never from the peer it waits for (DEEPSHARP_BENCH_BIND=none to compare).
        string bind = Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_BIND") is { Length: > 0 } b ? b : "core";
        foreach (var flag in new[] { "--bind-to", bind, "-x", "TERM=dumb", "--mca", "btl_vader_single_copy_mechanism", "none", "-np", $"{ranks}" })
            start.ArgumentList.Add(flag);
        foreach (var word in worker) start.ArgumentList.Add(word);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("samples/s ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"data-parallel: the {ranks}-rank run of {model} failed (exit {process.ExitCode}):\n{output}\n{error.Result}");
        Console.Error.Write(error.Result); // the epochs' rates, to see the warm-up and any stalls
        return double.Parse(line["samples/s ".Length..], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The worker: one rank of a run (under mpirun, or alone) training the seed model with Fit at one kernel thread;
    /// rank 0 prints "samples/s N" over the timed epochs, and every epoch's rate on stderr.
    /// </summary>
    public static int Worker(string model, int globalBatch)
    {
        using var communicator = Communicator.Start();
        Parallelism.Threads = 1;
        var (train, _) = Datasets.FashionMnist.Load();
        var x = Ops.Slice(train.X, 0, 0, Samples);
        if (model == "cnn") x = Ops.Reshape(x, Samples, 28, 28, 1);
        var y = Ops.Slice(train.Y, 0, 0, Samples);
        RandomGenerator.SetSeed(1);
        var network = model == "cnn" ? DeepSharp.Examples.SeedModels.Cnn(10) : DeepSharp.Examples.SeedModels.Mlp(10);
        network.Compile(new Adam(learningRate: 1e-3), "sparse_categorical_crossentropy", ["accuracy"]);
        var history = network.Fit(x, y, batchSize: globalBatch, epochs: Epochs, verbose: 0, seed: 1);
        if (communicator.Rank != 0) return 0;
        double samples = history.EpochSamples.TakeLast(TimedEpochs).Sum();
        double seconds = history.EpochSeconds.TakeLast(TimedEpochs).Sum();
        Console.WriteLine($"samples/s {(samples / seconds).ToString("R", CultureInfo.InvariantCulture)}");
        var rates = history.EpochSamples.Zip(history.EpochSeconds, (n, t) => (n / t).ToString("F0", CultureInfo.InvariantCulture));
        Console.Error.WriteLine($"{model} b{globalBatch} on {communicator.Size} rank(s), samples/s by epoch: {string.Join(" ", rates)}");
        return 0;
    }
}
