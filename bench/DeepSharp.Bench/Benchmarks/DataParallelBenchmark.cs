using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Data-parallel training over Open MPI on one host: the seed MLP (batch 128) and the seed CNN (batches 32 and 128) trained with
/// Fit on the first 8,192 Fashion-MNIST images by one rank with one kernel thread, and by two ranks with one thread each,
/// both with the same global batch (half a batch a rank: the same training as one rank) and with the batch per rank (a
/// global batch twice as large, Horovod's habit); and, as the bound for two ranks, two processes that train a model each
/// at the same time without communicating. The speed-up rows divide by the one-rank figure (rank 0's core); the
/// one-rank rate on rank 1's core is given beside it, since the two cores of a virtual machine need not be equally
/// fast. A third data-parallel model trains with <see cref="Model.BalanceRanks"/> (shares of each batch by the ranks'
/// measured speed), and the speed-ups are also given over the mean of the two cores' one-rank rates, the fair measure
/// when the cores differ. Needs mpirun (tools/install-openmpi.sh).
/// </summary>
/// <remarks>
/// <para>All of it runs interleaved in one pair of processes (this program in its worker mode, never with TorchSharp
/// loaded) under <c>mpirun -np 2</c>, one rank a core. Each round trains one epoch of each: rank 0 alone (its model on
/// <see cref="SingleProcessCommunicator"/>, while rank 1 sleeps, polling for a file rather than waiting in MPI, which
/// would keep its core busy); rank 1 alone, likewise; both ranks alone at once; then the two data-parallel models.
/// Rounds take a few seconds, so every figure sees the same state of the machine: on this kind of virtual machine one
/// process' speed drifts by up to a half between runs a minute apart, while the epochs of one run agree within a few per
/// cent (BENCHMARKS.md).</para>
/// <para>The first rounds, at least <see cref="WarmUpRounds"/> and <see cref="WarmUpSeconds"/>, are not timed: tiered
/// compilation recompiles the hot methods during the first seconds, and with two ranks on two cores that recompilation
/// stalls both ranks; with both cores busy the compiling thread waits too, so a rank can train at a third of its final
/// rate for several seconds (the MLP's rounds are so short that four of them, or 4 s of them, ended before that).</para>
/// <para>A/B in one process: with <c>DEEPSHARP_BENCH_AB=NAME=value</c> (a switch of the library that forces an older
/// path, such as <c>DEEPSHARP_GRADIENT_SCALE=separate</c>) every round also trains the two data-parallel epochs with
/// that variable set, before or after the plain ones by turns; rows marked "(B)".</para>
/// </remarks>
internal sealed class DataParallelBenchmark : IBenchmark
{
    /// <summary>The first argument of the worker mode.</summary>
    public const string WorkerMode = "data-parallel-worker";

    /// <summary>The environment variable that names the variable of an A/B run, with its value: NAME=value.</summary>
    private const string AbVariable = "DEEPSHARP_BENCH_AB";

    private const int Samples = 8192;
    private const int WarmUpRounds = 4;
    private const double WarmUpSeconds = 8;
    private const int TimedRounds = 6;
    private const int CostRepeats = 300;

    public string Name => "data-parallel";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        string? ab = Environment.GetEnvironmentVariable(AbVariable) is { Length: > 0 } v ? v : null;
        foreach (var (model, batch) in Configurations())
        {
            var rates = Measure(model, batch);
            var (one, pair, same, perRank, oneOnRank1, balanced) = (rates[0], rates[1], rates[2], rates[3], rates[4], rates[5]);
            double meanCore = (one + oneOnRank1) / 2;
            double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(model == "cnn" ? DeepSharp.Examples.SeedModels.Cnn(10) : DeepSharp.Examples.SeedModels.Mlp(10));
            yield return new BenchmarkResult($"{model} b{batch}: 1 rank × t1", one, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} b{batch}: 1 rank × t1, rank 1's core", oneOnRank1, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} b{batch}: 2 alone at once, no comm.", pair, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} b{batch}: 2 ranks × t1, b{batch / 2} a rank", same, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} b{batch}: 2 ranks × t1, b{batch} a rank", perRank, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} b{batch}: 2 ranks × t1, b{batch} a rank, balanced", balanced, double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} b{batch} bound: 2 alone at once / 1", pair / one, double.NaN, BenchmarkUnit.Times);
            yield return new BenchmarkResult($"{model} b{batch} speed-up, same global batch", same / one, double.NaN, BenchmarkUnit.Times);
            yield return new BenchmarkResult($"{model} b{batch} speed-up, batch per rank", perRank / one, double.NaN, BenchmarkUnit.Times);
            yield return new BenchmarkResult($"{model} b{batch} speed-up, batch per rank, balanced", balanced / one, double.NaN, BenchmarkUnit.Times);
            yield return new BenchmarkResult($"{model} b{batch} over the cores' mean: 2 alone at once", pair / meanCore, double.NaN, BenchmarkUnit.Times);
            yield return new BenchmarkResult($"{model} b{batch} over the cores' mean: batch per rank", perRank / meanCore, double.NaN, BenchmarkUnit.Times);
            yield return new BenchmarkResult($"{model} b{batch} over the cores' mean: balanced", balanced / meanCore, double.NaN, BenchmarkUnit.Times);
            if (rates.Length < 8) continue;
            yield return new BenchmarkResult($"{model} b{batch} (B) 2 ranks, b{batch / 2} a rank", rates[6], double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} b{batch} (B) 2 ranks, b{batch} a rank", rates[7], double.NaN, BenchmarkUnit.SamplesPerSecond, flops);
            yield return new BenchmarkResult($"{model} b{batch} A / B, same global batch", same / rates[6], double.NaN, BenchmarkUnit.Times);
            yield return new BenchmarkResult($"{model} b{batch} A / B, batch per rank", perRank / rates[7], double.NaN, BenchmarkUnit.Times);
        }
        if (ab is not null) Console.Error.WriteLine($"(B): the same build with {ab}");
    }

    /// <summary>
    /// The models and batches measured: the seed MLP at b128 and the seed CNN at b32 (the CLI's batch) and b128, or those
    /// <c>DEEPSHARP_BENCH_DP_MODELS</c> names (e.g. <c>cnn:32,cnn:128</c>).
    /// </summary>
    private static IEnumerable<(string Model, int Batch)> Configurations()
    {
        string list = Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_DP_MODELS") is { Length: > 0 } v ? v : "mlp:128,cnn:32,cnn:128";
        foreach (var item in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = item.Split(':');
            if (parts is not [("mlp" or "cnn") and var model, var batchText] || !int.TryParse(batchText, CultureInfo.InvariantCulture, out int batch) || batch < 2 || batch % 2 != 0)
                throw new ArgumentException($"data-parallel: DEEPSHARP_BENCH_DP_MODELS items are mlp:BATCH or cnn:BATCH with an even batch >= 2; got '{item}'.");
            yield return (model, batch);
        }
    }

    /// <summary>Samples per second of the interleaved trainings of <paramref name="model"/>, from one mpirun.</summary>
    private static double[] Measure(string model, int batch)
    {
        var self = Path.Combine(AppContext.BaseDirectory, "DeepSharp.Bench.dll");
        var start = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Environment.IsPrivilegedProcess) start.ArgumentList.Add("--allow-run-as-root");
        // One kernel thread a rank: each rank on a core of its own, so that its communication thread, when it runs,
        // takes time from its own rank and never from the peer it waits for (DEEPSHARP_BENCH_BIND=none to compare).
        string bind = Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_BIND") is { Length: > 0 } b ? b : "core";
        foreach (var word in new[] { "--bind-to", bind, "-x", "TERM=dumb", "--mca", "btl_vader_single_copy_mechanism", "none" })
            start.ArgumentList.Add(word);
        // The library's switches (DEEPSHARP_*) reach the ranks: mpirun passes on only the variables it is told to.
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(n => n.StartsWith("DEEPSHARP_", StringComparison.Ordinal)).Order())
        {
            start.ArgumentList.Add("-x");
            start.ArgumentList.Add(name);
        }
        foreach (var word in new[] { "-np", "2", "dotnet", self, WorkerMode, model, batch.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(word);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("samples/s ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"data-parallel: the run of {model} failed (exit {process.ExitCode}):\n{output}\n{error.Result}");
        Console.Error.Write(error.Result); // every round's rates, to see the warm-up and any stalls, and the step's costs
        return line["samples/s ".Length..].Split(' ').Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>
    /// The worker: one of the two ranks, training the seed model with Fit at one kernel thread, round by round one epoch
    /// each of: rank 0 alone (b<paramref name="batch"/>); rank 1 alone; both ranks alone at once, each its own model;
    /// both ranks data-parallel with the same global batch (b<paramref name="batch"/>/2 a rank) and with the batch per rank
    /// (b<paramref name="batch"/> a rank), the latter also with balanced shares (<see cref="Model.BalanceRanks"/>, a model of
    /// its own whose shares carry over from round to round), and a second time with <c>DEEPSHARP_BENCH_AB</c>'s variable set
    /// when it is given. Rank 0 prints "samples/s ONE PAIR SAME PER_RANK ONE_ON_RANK_1 BALANCED [SAME_B PER_RANK_B]" over
    /// the timed rounds (PAIR: the
    /// two processes' samples over the time of the slower), every round's rates on stderr, then what a data-parallel
    /// step adds (<see cref="Costs"/>).
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
        var ab = Environment.GetEnvironmentVariable(AbVariable) is { Length: > 0 } setting ? setting.Split('=', 2) : null;
        if (ab is { Length: < 2 } || ab?[0].Length == 0)
            throw new InvalidOperationException($"data-parallel-worker: {AbVariable} must be NAME=value; got '{string.Join('=', ab!)}'.");
        Model alone = Build(SingleProcessCommunicator.Instance), same = Build(null), perRank = Build(null), balanced = Build(null);
        balanced.BalanceRanks = true;
        if (Environment.GetEnvironmentVariable("DEEPSHARP_BENCH_COSTS_ONLY") == "1")
        {
            // Only what a step adds, for comparing transports' settings quickly (mpirun ... data-parallel-worker cnn 32).
            Costs(communicator, same, model);
            return 0;
        }
        Model? sameB = ab is null ? null : Build(null), perRankB = ab is null ? null : Build(null);
        double Rate(History h) => h.EpochSamples[0] / h.EpochSeconds[0];

        // A file name both ranks know, from rank 0's token.
        Span<long> token = [communicator.Rank == 0 ? Environment.ProcessId * 1_000_003L + Environment.TickCount64 : 0];
        communicator.Broadcast(token, 0);
        var sums = new double[ab is null ? 6 : 8];
        var clock = Stopwatch.StartNew();
        Span<int> warmUp = [WarmUpRounds];
        for (int round = 0; round < warmUp[0] + TimedRounds; round++)
        {
            var rates = new float[sums.Length];
            // One rank trains alone while the other's core stays idle (it polls for a file, never waiting in MPI).
            Span<float> solo = [0, 0];
            for (int soloist = 0; soloist < 2; soloist++)
            {
                string soloDone = Path.Combine(Path.GetTempPath(), $"deepsharp-bench-{token[0]}-{round}-{soloist}");
                if (communicator.Rank == soloist)
                {
                    solo[soloist] = (float)Rate(alone.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0, seed: round));
                    File.WriteAllText(soloDone, "");
                }
                else
                    while (!File.Exists(soloDone)) Thread.Sleep(1);
                communicator.Barrier();
                if (communicator.Rank == soloist) File.Delete(soloDone);
            }
            communicator.AllReduce(solo, ReduceOperation.Sum);
            (rates[0], rates[4]) = (solo[0], solo[1]);
            var both = alone.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0, seed: round);
            Span<float> seconds = [communicator.Rank == 0 ? (float)both.EpochSeconds[0] : 0, communicator.Rank == 1 ? (float)both.EpochSeconds[0] : 0];
            communicator.AllReduce(seconds, ReduceOperation.Sum);
            rates[1] = 2 * both.EpochSamples[0] / Math.Max(seconds[0], seconds[1]); // both processes' samples over the time until the last ended
            bool bFirst = round % 2 == 1;
            if (ab is not null && bFirst) RunB();
            rates[2] = (float)Rate(same.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0, seed: round));
            rates[3] = (float)Rate(perRank.Fit(x, y, batchSize: 2 * batch, epochs: 1, verbose: 0, seed: round));
            var parts = balanced.RankParts is { } p ? string.Join(":", p) : "even"; // the shares this round trains with
            rates[5] = (float)Rate(balanced.Fit(x, y, batchSize: 2 * batch, epochs: 1, verbose: 0, seed: round));
            if (ab is not null && !bFirst) RunB();
            void RunB()
            {
                Environment.SetEnvironmentVariable(ab![0], ab[1]);
                rates[6] = (float)Rate(sameB!.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0, seed: round));
                rates[7] = (float)Rate(perRankB!.Fit(x, y, batchSize: 2 * batch, epochs: 1, verbose: 0, seed: round));
                Environment.SetEnvironmentVariable(ab[0], null);
            }
            if (round == warmUp[0] - 1)
            {
                // Rank 0's clock decides for both: one more warm-up round while the warm-up has been short.
                if (communicator.Rank == 0 && clock.Elapsed.TotalSeconds < WarmUpSeconds) warmUp[0]++;
                communicator.Broadcast(warmUp, 0);
            }
            if (communicator.Rank != 0) continue;
            Console.Error.WriteLine($"{model} b{batch} round {round + 1}{(round < warmUp[0] ? " (warm-up)" : "")}, samples/s: " +
                $"1 rank {rates[0]:F0} (rank 1's core {rates[4]:F0}), 2 alone at once {rates[1]:F0} (rank 0 {both.EpochSamples[0] / seconds[0]:F0}, " +
                $"rank 1 {both.EpochSamples[0] / seconds[1]:F0}), 2 ranks b{batch / 2} a rank {rates[2]:F0}, b{batch} a rank {rates[3]:F0}, " +
                $"balanced {rates[5]:F0} (parts {parts})" + (ab is null ? "" : $"; (B) {rates[6]:F0}, {rates[7]:F0}{(bFirst ? " (B first)" : "")}"));
            if (round < warmUp[0]) continue;
            for (int i = 0; i < sums.Length; i++) sums[i] += 1 / rates[i]; // seconds a sample: the mean over rounds of equal samples
        }
        if (communicator.Rank == 0)
            Console.WriteLine("samples/s " + string.Join(" ", sums.Select(s => (TimedRounds / s).ToString("R", CultureInfo.InvariantCulture))));
        Costs(communicator, same, model);
        return 0;
    }

    /// <summary>
    /// What a data-parallel step adds to the work of a process alone, each measured <see cref="CostRepeats"/> times after
    /// the rounds, printed by each rank on stderr as "p10 / median µs": the all-reduce of one bucket of the model's
    /// gradients (MPI's work, waiting for the peer, and the hand-off to the communication thread and back), a barrier
    /// (the hand-off and MPI's latency alone), the optimizer step that every rank repeats (what a sharded optimizer step
    /// would halve), and one pass that scales the bucket.
    /// </summary>
    private static void Costs(ICommunicator communicator, Model model, string name)
    {
        var weights = model.TrainableWeights;
        int values = weights.Sum(w => w.Size);
        var bucket = GC.AllocateArray<float>(values, pinned: true);
        var times = new double[CostRepeats];
        string Quantiles()
        {
            Array.Sort(times);
            return $"{times[CostRepeats / 10]:F0} / {times[CostRepeats / 2]:F0} µs";
        }
        void Time(Action action)
        {
            for (int i = 0; i < CostRepeats; i++)
            {
                long start = Stopwatch.GetTimestamp();
                action();
                times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
        }
        communicator.Barrier();
        Time(() => communicator.StartAllReduce(bucket).Wait());
        string allReduce = Quantiles();
        Time(communicator.Barrier);
        string barrier = Quantiles();
        Time(() => TensorPrimitives.Multiply(bucket, 0.5f, bucket));
        string scale = Quantiles();
        // A fresh Adam over copies of the weights, with gradients of the same sizes.
        Tensor[] copies = [.. weights.Select(w => Tensor.FromArray(w.ToArray(), w.Shape.Dims))];
        Tensor?[] gradients = [.. weights.Select(w => (Tensor?)Tensor.FromArray([.. Enumerable.Range(0, w.Size).Select(i => 1e-3f * ((i % 17) - 8))], w.Shape.Dims))];
        var adam = new Adam(learningRate: 1e-3);
        Time(() => adam.ApplyGradients(gradients, copies));
        string optimizer = Quantiles();
        communicator.Barrier();
        Console.Error.WriteLine($"{name} rank {communicator.Rank}: all-reduce of {values:N0} values {allReduce}; barrier {barrier}; " +
            $"Adam step {optimizer}; scaling the bucket {scale}");
    }
}
