using System.Diagnostics;
using System.Globalization;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Data-parallel training over Open MPI on one host: the seed MLP (batch 128) and the seed CNN (batch 32) trained with
/// Fit on the first 8,192 Fashion-MNIST images by one rank with one kernel thread, and by two ranks with one thread each,
/// both with the same global batch (half a batch a rank: the same training as one rank) and with the batch per rank (a
/// global batch twice as large, Horovod's habit); and, as the bound for two ranks, two processes that train a model each
/// at the same time without communicating. The speed-up rows divide by the one-rank figure. Needs mpirun
/// (tools/install-openmpi.sh).
/// </summary>
/// <remarks>
/// <para>All of it runs interleaved in one pair of processes (this program in its worker mode, never with TorchSharp
/// loaded) under <c>mpirun -np 2</c>, one rank a core. Each round trains one epoch of each: rank 0 alone (its model on
/// <see cref="SingleProcessCommunicator"/>, while rank 1 sleeps, polling for a file rather than waiting in MPI, which
/// would keep its core busy); both ranks alone at once; then the two data-parallel models. Rounds take a few seconds,
/// so every figure sees the same state of the machine: on this kind of virtual machine one process' speed drifts by up
/// to a half between runs a minute apart, while the epochs of one run agree within a few per cent (BENCHMARKS.md).</para>
/// <para>The first <see cref="WarmUpRounds"/> rounds are not timed: tiered compilation recompiles the hot methods
/// during the first seconds, and with two ranks on two cores that recompilation stalls both ranks.</para>
/// </remarks>
internal sealed class DataParallelBenchmark : IBenchmark
{
    /// <summary>The first argument of the worker mode.</summary>
    public const string WorkerMode = "data-parallel-worker";

    private const int Samples = 8192;
    private const int WarmUpRounds = 4;
    private const int TimedRounds = 6;

    public string Name => "data-parallel";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        foreach (var (model, batch) in new[] { ("mlp", 128), ("cnn", 32) })
        {
            var rates = Measure(model, batch);
            var (one, pair, same, perRank) = (rates[0], rates[1], rates[2], rates[3]);
            double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(model == "cnn" ? DeepSharp.Examples.SeedModels.Cnn(10) : DeepSharp.Examples.SeedModels.Mlp(10));
            yield return new BenchmarkResult($"{model} b{batch}: 1 rank × t1", one, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} b{batch}: 2 alone at once, no comm.", pair, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} b{batch}: 2 ranks × t1, b{batch / 2} a rank", same, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} b{batch}: 2 ranks × t1, b{batch} a rank", perRank, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} bound: 2 alone at once / 1", pair / one, double.NaN, BenchmarkUnit.Times);
            yield return new BenchmarkResult($"{model} speed-up, same global batch", same / one, double.NaN, BenchmarkUnit.Times);
            yield return new BenchmarkResult($"{model} speed-up, batch per rank", perRank / one, double.NaN, BenchmarkUnit.Times);
        }
    }

    /// <summary>Samples per second of the four interleaved trainings of <paramref name="model"/>, from one mpirun.</summary>
    private static double[] Measure(string model, int batch)
    {
        var self = Path.Combine(AppContext.BaseDirectory, "DeepSharp.Bench.dll");
        var start = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Environment.IsPrivilegedProcess) start.ArgumentList.Add("--allow-run-as-root");
        // One kernel thread a rank: each rank on a core of its own, so that its communication thread, when it runs,
        // takes time from its own rank and never from the peer it waits for (DEEPSHARP_BENCH_BIND=none to compare).
        string bind = Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_BIND") is { Length: > 0 } b ? b : "core";
        foreach (var word in new[] { "--bind-to", bind, "-x", "TERM=dumb", "--mca", "btl_vader_single_copy_mechanism", "none", "-np", "2",
                     "dotnet", self, WorkerMode, model, batch.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(word);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("samples/s ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"data-parallel: the run of {model} failed (exit {process.ExitCode}):\n{output}\n{error.Result}");
        Console.Error.Write(error.Result); // every round's rates, to see the warm-up and any stalls
        return line["samples/s ".Length..].Split(' ').Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>
    /// The worker: one of the two ranks, training the seed model with Fit at one kernel thread, round by round one epoch
    /// each of: rank 0 alone (b<paramref name="batch"/>); both ranks alone at once, each its own model; both ranks
    /// data-parallel with the same global batch (b<paramref name="batch"/>/2 a rank); and with the batch per rank
    /// (b<paramref name="batch"/> a rank). Rank 0 prints "samples/s ONE PAIR SAME PER_RANK" over the timed rounds (PAIR:
    /// the two processes' rates added), and every round's rates on stderr.
    /// </summary>
    public static int Worker(string model, int batch)
    {
        using var communicator = Communicator.Start();
        if (communicator.Size != 2)
            throw new InvalidOperationException($"data-parallel-worker: runs as two ranks under mpirun; this run has {communicator.Size}.");
        Parallelism.Threads = 1;
        var (train, _) = Datasets.FashionMnist.Load();
        var x = Ops.Slice(train.X, 0, 0, Samples);
        if (model == "cnn") x = Ops.Reshape(x, Samples, 28, 28, 1);
        var y = Ops.Slice(train.Y, 0, 0, Samples);
        Model Build(ICommunicator? communicatorOfItsOwn)
        {
            RandomGenerator.SetSeed(1);
            var network = model == "cnn" ? DeepSharp.Examples.SeedModels.Cnn(10) : DeepSharp.Examples.SeedModels.Mlp(10);
            network.Communicator = communicatorOfItsOwn;
            network.Compile(new Adam(learningRate: 1e-3), "sparse_categorical_crossentropy", ["accuracy"]);
            return network;
        }
        Model alone = Build(SingleProcessCommunicator.Instance), same = Build(null), perRank = Build(null);
        double Rate(History h) => h.EpochSamples[0] / h.EpochSeconds[0];

        // A file name both ranks know, from rank 0's token.
        Span<long> token = [communicator.Rank == 0 ? Environment.ProcessId * 1_000_003L + Environment.TickCount64 : 0];
        communicator.Broadcast(token, 0);
        var sums = new double[4];
        for (int round = 0; round < WarmUpRounds + TimedRounds; round++)
        {
            var rates = new float[4];
            string soloDone = Path.Combine(Path.GetTempPath(), $"deepsharp-bench-{token[0]}-{round}");
            if (communicator.Rank == 0)
            {
                rates[0] = (float)Rate(alone.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0, seed: round));
                File.WriteAllText(soloDone, "");
            }
            else
                while (!File.Exists(soloDone)) Thread.Sleep(1); // the other core stays idle while rank 0 trains alone
            communicator.Barrier();
            if (communicator.Rank == 0) File.Delete(soloDone);
            var both = alone.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0, seed: round);
            Span<float> slowest = [(float)both.EpochSeconds[0]];
            communicator.AllReduce(slowest, ReduceOperation.Max);
            rates[1] = 2 * both.EpochSamples[0] / slowest[0]; // both processes' samples over the time until the last ended
            rates[2] = (float)Rate(same.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0, seed: round));
            rates[3] = (float)Rate(perRank.Fit(x, y, batchSize: 2 * batch, epochs: 1, verbose: 0, seed: round));
            if (communicator.Rank != 0) continue;
            Console.Error.WriteLine($"{model} b{batch} round {round + 1}{(round < WarmUpRounds ? " (warm-up)" : "")}, samples/s: " +
                $"1 rank {rates[0]:F0}, 2 alone at once {rates[1]:F0}, 2 ranks b{batch / 2} a rank {rates[2]:F0}, b{batch} a rank {rates[3]:F0}");
            if (round < WarmUpRounds) continue;
            for (int i = 0; i < 4; i++) sums[i] += 1 / rates[i]; // seconds a sample: the mean over rounds of equal samples
        }
        if (communicator.Rank == 0)
            Console.WriteLine("samples/s " + string.Join(" ", sums.Select(s => (TimedRounds / s).ToString("R", CultureInfo.InvariantCulture))));
        return 0;
    }
}
