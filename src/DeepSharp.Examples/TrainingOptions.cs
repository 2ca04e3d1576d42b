namespace DeepSharp.Examples;

/// <summary>The settings every example's run takes (on the command line: the options every <c>deepsharp train</c> takes).</summary>
public sealed record TrainingOptions
{
    /// <summary>"fashion-mnist" or "mnist".</summary>
    public required string Dataset { get; init; }

    /// <summary>Epochs to train.</summary>
    public required int Epochs { get; init; }

    /// <summary>Samples per step.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Where the dataset files are, or null to search as the loaders do.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Where to write the run's files; created when there is something to write.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Seed of weights, dropout and shuffling.</summary>
    public required long Seed { get; init; }

    /// <summary>Kernel threads.</summary>
    public required int Threads { get; init; }

    /// <summary>0 silent, 1 progress bar, 2 a line per epoch.</summary>
    public required int Verbose { get; init; }

    /// <summary>Use only the first this many training and test images (a quick trial run); 0 for all.</summary>
    public int Limit { get; init; }

    /// <summary>
    /// The ranks the run trains over (default: <see cref="DeepSharp.Communicator.Start"/>: every rank under mpirun, else
    /// this process alone). Rank 0 prints and writes the files; every rank trains.
    /// </summary>
    public ICommunicator Communicator { get; init; } = DeepSharp.Communicator.Start();

    /// <summary>
    /// Horovod's recipe for N ranks (Goyal et al.'s linear scaling rule): <see cref="BatchSize"/> is each rank's batch,
    /// so the global batch is N times larger, and the learning rate is N times larger too, reached by a linear warm-up
    /// over the first <see cref="WarmupEpochs"/>. Without it (the default) <see cref="BatchSize"/> is the global batch
    /// and N ranks train as one process does.
    /// </summary>
    public bool ScaleLearningRate { get; init; }

    /// <summary>Over several ranks, shares of each batch by the ranks' measured speed (<see cref="Model.BalanceRanks"/>).</summary>
    public bool BalanceRanks { get; init; }

    /// <summary>Epochs of the warm-up of <see cref="ScaleLearningRate"/>.</summary>
    public int WarmupEpochs { get; init; } = 2;

    /// <summary>The samples of one step over all ranks: <see cref="BatchSize"/>, times the ranks with <see cref="ScaleLearningRate"/>.</summary>
    public int GlobalBatchSize => ScaleLearningRate ? checked(BatchSize * Communicator.Size) : BatchSize;

    /// <summary>
    /// <paramref name="rate"/> as the run uses it: scaled by the ranks after a warm-up with <see cref="ScaleLearningRate"/>
    /// (steps of the global batch over <paramref name="samples"/> training samples), else unchanged.
    /// </summary>
    public LearningRateSchedule Scaled(LearningRateSchedule rate, int samples) => ScaleLearningRate
        ? LearningRateScaling.Scale(rate, Communicator.Size, (long)WarmupEpochs * ((samples + GlobalBatchSize - 1) / GlobalBatchSize))
        : rate;

    /// <summary>Whether this process writes the run's files and prints its progress (rank 0).</summary>
    public bool Writes => Communicator.Rank == 0;

    /// <summary>
    /// Continue the interrupted run in <see cref="OutputDirectory"/> from its backup (<see cref="BackupAndRestore"/>'s
    /// checkpoint there). Without it, a backup there is refused: it belongs to another run that did not finish.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>Back up every this many batches as well as after each epoch (null: after each epoch only).</summary>
    public int? SaveFreq { get; init; }

    /// <summary>
    /// The command line that started the run (the words after <c>deepsharp train</c>), recorded in <c>run.json</c> so
    /// that <c>--resume</c> repeats it; null when the run was not started from a command line.
    /// </summary>
    public IReadOnlyList<string>? Arguments { get; init; }

    /// <summary>The first <see cref="Limit"/> images of each split, or the splits themselves without a limit.</summary>
    public (DatasetSplit Train, DatasetSplit Test) ApplyLimit(DatasetSplit train, DatasetSplit test) =>
        Limit > 0 ? (First(train, Limit), First(test, Limit)) : (train, test);

    private static DatasetSplit First(DatasetSplit split, int count) =>
        count >= split.Count ? split : new DatasetSplit(Ops.Slice(split.X, 0, 0, count), Ops.Slice(split.Y, 0, 0, count));

    /// <summary>The dataset loader the options name.</summary>
    public IdxDataset DatasetLoader => Dataset == "mnist" ? Datasets.Mnist : Datasets.FashionMnist;
}
