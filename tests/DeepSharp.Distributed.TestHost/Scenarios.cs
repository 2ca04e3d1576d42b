using System.Diagnostics;
using System.Globalization;
using DeepSharp;

namespace DeepSharp.Distributed.TestHost;

internal static class Scenarios
{
    /// <summary>Every collective on several lengths (small ones take recursive doubling, large ones a ring): values checked, results hashed.</summary>
    public static int Collectives(ICommunicator c)
    {
        int failures = 0;
        void Check(bool ok, string what)
        {
            if (ok) return;
            failures++;
            Console.WriteLine($"rank {c.Rank}: FAIL {what}");
        }
        foreach (int length in new[] { 0, 1, 7, 1000, 100_000, 1_000_003 })
        {
            var inputs = Enumerable.Range(0, c.Size).Select(r => Values(r, length)).ToArray();
            foreach (var operation in Enum.GetValues<ReduceOperation>())
            {
                var values = (float[])inputs[c.Rank].Clone();
                c.AllReduce(values, operation);
                int wrong = 0;
                for (int i = 0; i < length; i++)
                {
                    float expected = Reference(inputs, i, operation, c.Size);
                    // Float sums of values that cancel are off by rounding relative to the operands, not to the result.
                    double scale = inputs.Sum(input => Math.Abs(input[i]));
                    if (Math.Abs(values[i] - expected) > 1e-6 * scale) wrong++;
                }
                Check(wrong == 0, $"all-reduce {operation} of {length}: {wrong} wrong values");
                Console.WriteLine($"rank {c.Rank}: hash all-reduce-{operation}-{length} {Hash(values):x16}");
            }
            var broadcast = Values(c.Rank, length);
            int root = c.Size - 1;
            c.Broadcast(broadcast.AsSpan(), root);
            Check(broadcast.AsSpan().SequenceEqual(inputs[root]), $"broadcast of {length} floats from rank {root}");
        }
        Span<long> longs = [c.Rank * 1_000_000_007L, -c.Rank];
        c.Broadcast(longs, 0);
        Check(longs[0] == 0 && longs[1] == 0, "broadcast of longs from rank 0");
        var bytes = new byte[5];
        if (c.Rank == 0) "hello"u8.CopyTo(bytes);
        c.Broadcast(bytes.AsSpan(), 0);
        Check(bytes.AsSpan().SequenceEqual("hello"u8), "broadcast of bytes");
        for (int i = 0; i < 3; i++) c.Barrier();
        // .NET turns a null dereference (SIGSEGV) into an exception: Open MPI's own signal handlers must not take that over.
        string? nothing = c.Rank < 0 ? "" : null;
        Check(Record(() => nothing!.Length) is NullReferenceException, "a NullReferenceException after MPI started");
        Console.WriteLine($"rank {c.Rank}: {(failures == 0 ? "OK" : $"{failures} FAILURES")}");
        return failures == 0 ? 0 : 1;
    }

    private static Exception? Record(Func<int> action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>Rank r's values: random magnitudes over many exponents, so that the order of additions would show in the bits.</summary>
    private static float[] Values(int rank, int length)
    {
        var random = new Random(1000 + rank);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 4)));
        return values;
    }

    private static float Reference(float[][] inputs, int i, ReduceOperation operation, int size)
    {
        double sum = 0;
        float min = float.MaxValue, max = float.MinValue;
        foreach (var input in inputs)
        {
            sum += input[i];
            min = Math.Min(min, input[i]);
            max = Math.Max(max, input[i]);
        }
        return operation switch
        {
            ReduceOperation.Sum => (float)sum,
            ReduceOperation.Average => (float)(sum / size),
            ReduceOperation.Min => min,
            _ => max,
        };
    }

    private static ulong Hash(float[] values)
    {
        using var scope = TensorScope.Begin();
        return ReplicaCheck.Hash([Tensor.FromArray(values, values.Length)]);
    }

    /// <summary>
    /// A small regression model trained for <paramref name="steps"/> steps on global batches of <paramref name="batch"/>
    /// rows, each rank taking a contiguous share. Even steps use a GradientTape, odd steps Backward and Grad.
    /// </summary>
    public static int Train(ICommunicator c, int steps, int batch, string output)
    {
        if (batch % c.Size != 0) throw new ArgumentException($"batch {batch} is not divisible by {c.Size} ranks");
        const int inputs = 8, outputs = 3;
        int share = batch / c.Size;
        var data = new Random(7);
        float[] x = [.. Enumerable.Range(0, steps * batch * inputs).Select(_ => (float)(data.NextDouble() * 2 - 1))];
        float[] y = [.. Enumerable.Range(0, steps * batch * outputs).Select(_ => (float)(data.NextDouble() * 2 - 1))];

        RandomGenerator.SetSeed(100 + c.Rank);      // different initial weights on every rank: the broadcast must fix that
        var model = new Sequential(new Dense(16, activation: "tanh", inputShape: [inputs]), new Dense(outputs));
        var weights = model.TrainableWeights;
        var optimizer = new DistributedOptimizer(new Adam(learningRate: 1e-2f), c);
        optimizer.BroadcastState(weights);
        Console.WriteLine($"rank {c.Rank}: step 0 hash {ReplicaCheck.Hash(weights):x16}");
        for (int step = 0; step < steps; step++)
        {
            using var scope = TensorScope.Begin();
            int first = step * batch + c.Rank * share;
            var xs = Tensor.FromArray(x.AsSpan(first * inputs, share * inputs), share, inputs);
            var ys = Tensor.FromArray(y.AsSpan(first * outputs, share * outputs), share, outputs);
            if (step % 2 == 0)
            {
                using var tape = new GradientTape();
                var loss = Ops.MeanSquaredError(ys, model.Call(xs, training: true));
                var gradients = tape.Gradient(loss, weights);
                long before = GC.GetAllocatedBytesForCurrentThread();
                optimizer.ApplyGradients(gradients, weights);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (step >= 2) Console.WriteLine($"rank {c.Rank}: step {step + 1} averaged and applied with {allocated} bytes allocated");
            }
            else
            {
                Ops.MeanSquaredError(ys, model.Call(xs, training: true)).Backward(weights);
                optimizer.ApplyGradients(weights);
            }
            Console.WriteLine($"rank {c.Rank}: step {step + 1} hash {ReplicaCheck.Hash(weights):x16}");
        }
        c.VerifyIdentical(weights);
        if (c.Rank == 0) WriteWeights(weights, output);
        Console.WriteLine($"rank {c.Rank}: OK");
        return 0;
    }

    /// <summary>
    /// A small classifier trained with Fit for <paramref name="steps"/> steps of global batches of <paramref name="batch"/>
    /// (two epochs of <paramref name="steps"/> / 2 batches, shuffled), validated on 37 samples after each epoch: what
    /// Fit does over mpirun, against the same Fit in one process. Prints the weights' hash (all weights) after every
    /// step, the history, and how often a rank-0-only callback ran; rank 0 writes the final weights to <paramref name="output"/>.
    /// </summary>
    public static int Fit(ICommunicator c, int steps, int batch, string output)
    {
        const int inputs = 8, classes = 3, validation = 37, epochs = 2;
        if (steps % epochs != 0) throw new ArgumentException($"steps {steps} must be a multiple of {epochs}");
        int samples = steps / epochs * batch;
        var data = new Random(11);
        float[] x = [.. Enumerable.Range(0, (samples + validation) * inputs).Select(_ => (float)(data.NextDouble() * 2 - 1))];
        // Labels that depend on the inputs, so that the accuracy moves.
        float[] y = [.. Enumerable.Range(0, samples + validation).Select(i => (float)((x[i * inputs] + x[i * inputs + 1] > 0 ? 1 : 0) + (x[i * inputs + 2] > 0.5f ? 1 : 0)))];
        var trainX = Tensor.FromArray(x.AsSpan(0, samples * inputs), samples, inputs);
        var trainY = Tensor.FromArray(y.AsSpan(0, samples), samples);
        var validX = Tensor.FromArray(x.AsSpan(samples * inputs), validation, inputs);
        var validY = Tensor.FromArray(y.AsSpan(samples), validation);

        RandomGenerator.SetSeed(100 + c.Rank);      // different initial weights on every rank: Fit starts them from rank 0's
        var model = new Sequential(new Dense(16, activation: "tanh", inputShape: [inputs]), new Dense(classes, activation: "softmax"));
        model.Compile(new Adam(learningRate: 1e-2f), "sparse_categorical_crossentropy", ["accuracy"]);
        int step = 0;
        var hashes = new LambdaCallback(onBatchEnd: (_, _) =>
            Console.WriteLine($"rank {c.Rank}: step {++step} hash {ReplicaCheck.Hash(model.Weights):x16}"));
        var writer = new EpochCounter();
        var history = model.Fit(trainX, trainY, batchSize: batch, epochs: epochs, verbose: 0, callbacks: [hashes, writer],
            validationData: (validX, validY), seed: 5);
        foreach (var key in history.Keys)
            Console.WriteLine($"rank {c.Rank}: history {key} {string.Join(' ', history[key].Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"rank {c.Rank}: rank-0-only callback ran {writer.Epochs} epochs");
        if (c.Rank == 0) WriteWeights(model.Weights, output);
        Console.WriteLine($"rank {c.Rank}: OK");
        return 0;
    }

    /// <summary>Counts epochs, on rank 0 only: a callback of the kind that writes files.</summary>
    private sealed class EpochCounter : Callback
    {
        public int Epochs { get; private set; }

        public override bool RankZeroOnly => true;

        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => Epochs++;
    }

    /// <summary>The weights, tensor by tensor: their count, then each one's size and values.</summary>
    private static void WriteWeights(IReadOnlyList<Tensor> weights, string output)
    {
        using var file = new BinaryWriter(File.Create(output));
        file.Write(weights.Count);
        foreach (var w in weights)
        {
            file.Write(w.Size);
            foreach (float v in w.ToArray()) file.Write(v);
        }
    }

    /// <summary>All-reduces in a loop until rank <paramref name="victim"/> kills itself after a few of them.</summary>
    public static int Kill(ICommunicator c, int victim)
    {
        var values = new float[100_000];
        for (int i = 0; ; i++)
        {
            if (c.Rank == victim && i == 20)
            {
                Console.WriteLine($"rank {c.Rank}: killing myself");
                Console.Out.Flush();
                Process.GetCurrentProcess().Kill();   // SIGKILL: no handler runs, no socket is closed politely
            }
            c.AllReduce(values);
            Thread.Sleep(5);
        }
    }

    /// <summary>Rank 1 never joins the second all-reduce: the others must stop at their collective timeout.</summary>
    public static int Stall(ICommunicator c)
    {
        var values = new float[10];
        c.AllReduce(values);
        if (c.Rank == 1) Thread.Sleep(TimeSpan.FromMinutes(2));
        c.AllReduce(values);
        Console.WriteLine($"rank {c.Rank}: the second all-reduce completed");
        return 0;
    }

    /// <summary>Rank 1 finishes last, after the others' collective timeout: waiting at the end of a run is no fault.</summary>
    public static int Late(ICommunicator c)
    {
        var values = new float[10];
        c.AllReduce(values);
        if (c.Rank == 1) Thread.Sleep(TimeSpan.FromSeconds(3));
        Console.WriteLine($"rank {c.Rank}: done");
        return 0;
    }

    /// <summary>The shared-memory transport's fragment sizes as Open MPI took them, after an all-reduce that used them.</summary>
    public static int Parameters(ICommunicator c)
    {
        var values = new float[300_000];
        c.AllReduce(values);
        foreach (var name in new[] { "btl_vader_max_send_size", "btl_vader_eager_limit" })
            Console.WriteLine($"rank {c.Rank}: {name} {OpenMpiParameter.Read(name)}");
        return 0;
    }

    /// <summary>Median time of an in-place all-reduce (sum) through the communicator, for a few model sizes.</summary>
    public static int Bench(ICommunicator c)
    {
        foreach (int length in new[] { 100_000, 225_000, 1_000_000 })
        {
            var values = GC.AllocateArray<float>(length, pinned: true);
            for (int i = 0; i < 50; i++) c.AllReduce(values);
            var times = new double[300];
            for (int i = 0; i < times.Length; i++)
            {
                c.Barrier();
                long start = Stopwatch.GetTimestamp();
                c.AllReduce(values);
                times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
            Array.Sort(times);
            Console.WriteLine($"rank {c.Rank}: all-reduce {length} floats: median {times[times.Length / 2]:0} us, p10 {times[times.Length / 10]:0} us, p90 {times[times.Length * 9 / 10]:0} us");
        }
        return 0;
    }
}
