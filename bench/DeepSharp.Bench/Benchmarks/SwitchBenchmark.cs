namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// A model's training step with some switches of the library on against off (<see cref="LibrarySwitch"/>), alternating in
/// one process so that both sides see the same state of a shared machine: by default in blocks, each side's fastest run
/// (<see cref="Measure"/>). The "peer" column is the step with the switches off. A row reads
/// "&lt;step&gt; b&lt;batch&gt; t&lt;threads&gt;, &lt;sides&gt;". A new A/B row names its switches, its batch and its model.
/// </summary>
internal abstract class SwitchBenchmark(string name, string sides, string offName, params LibrarySwitch[] switches) : IBenchmark
{
    public string Name => name;

    /// <summary>The step in the rows' names, e.g. "vit train".</summary>
    protected abstract string Step { get; }

    /// <summary>Each timed run of a block (the steps take milliseconds).</summary>
    protected virtual TimeSpan RunLength => TimeSpan.FromMilliseconds(300);

    /// <summary>The fixed batch every step trains on (samples along the first axis), made once a run.</summary>
    protected abstract (Tensor X, Tensor Y) Batch();

    /// <summary>A new compiled model; the thread count and the seed are set before.</summary>
    protected abstract Model Compiled();

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var samples = Batch();
        using var x = samples.X;
        using var y = samples.Y;
        int batch = x.Shape[0];
        try
        {
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                RandomGenerator.SetSeed(1);
                var model = Compiled();
                double flops = DeepSharp.Examples.TrainingFlops.StepPerSample(model);
                var times = Time(() => { Set(true); model.TrainOnBatch(x, y); }, () => { Set(false); model.TrainOnBatch(x, y); });
                foreach (var (label, on, off) in times)
                    yield return new BenchmarkResult($"{Step} b{batch} t{threads}{label}, {sides}", batch / on, batch / off, BenchmarkUnit.SamplesPerSecond,
                        flops, PeerName: offName);
            }
        }
        finally
        {
            Set(true);
        }
    }

    /// <summary>
    /// Seconds a step of each side, with what the row adds to its name after the thread count ("" for the one row of
    /// the default: each side's fastest run of <see cref="Measure.SecondsPerCall(Action, Action, TimeSpan?)"/>'s blocks).
    /// </summary>
    protected virtual IEnumerable<(string Label, double On, double Off)> Time(Action on, Action off)
    {
        var (a, b) = Measure.SecondsPerCall(on, off, RunLength);
        yield return ("", a, b);
    }

    /// <summary><paramref name="model"/> compiled as the image rows compile theirs: Adam at 1e-3, sparse categorical cross-entropy.</summary>
    protected static Model CompiledForImages(Model model)
    {
        model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
        return model;
    }

    private void Set(bool on)
    {
        foreach (var s in switches) s.Set(on);
    }
}
