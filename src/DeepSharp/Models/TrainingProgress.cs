using System.Diagnostics;

namespace DeepSharp;

/// <summary>
/// Where a running <c>Fit</c> is, kept by the training loop for checkpoints (<see cref="TrainingCheckpoint.Capture"/>)
/// and interrupts: the epoch and the batches of it done, the partial epoch's running loss, its samples and time, and
/// the history so far. At an epoch's end it already names the next epoch, with no batch done.
/// </summary>
/// <param name="history">The run's history.</param>
/// <param name="source">Where the training batches come from.</param>
/// <param name="epochs">The epoch the run ends at.</param>
internal sealed class TrainingProgress(History history, IBatchSource source, int epochs)
{
    private string? _interruptReason;

    public History History { get; } = history;

    public IBatchSource Source { get; } = source;

    /// <summary>The epoch the run ends at (Fit's <c>epochs</c>).</summary>
    public int Epochs { get; } = epochs;

    /// <summary>The epoch in progress (0-based), or the next one between epochs.</summary>
    public int Epoch { get; set; }

    /// <summary>Batches of <see cref="Epoch"/> done.</summary>
    public int Step { get; set; }

    /// <summary>The sum of the losses of those batches.</summary>
    public double LossSum { get; set; }

    /// <summary>The samples of those batches.</summary>
    public int Samples { get; set; }

    /// <summary>Seconds the epoch's training steps took before this process took it over (a resumed epoch).</summary>
    public double SecondsBefore { get; set; }

    /// <summary>The clock of the epoch's training steps in this process, while it runs.</summary>
    public Stopwatch? Clock { get; set; }

    /// <summary>Seconds the epoch's training steps have taken so far.</summary>
    public double Seconds => SecondsBefore + (Clock?.Elapsed.TotalSeconds ?? 0);

    /// <summary>Whether this Fit is one rank of a data-parallel run (no checkpoint restores into it, no interrupt stops it).</summary>
    public bool DataParallel { get; init; }

    /// <summary>True while the callbacks' OnTrainBegin run: a checkpoint restored then says where the run continues.</summary>
    public bool AtTrainBegin { get; set; }

    /// <summary>The checkpoint the run continues from, set by <see cref="TrainingCheckpoint.Restore"/> at train begin.</summary>
    public TrainingCheckpoint? Resume { get; set; }

    /// <summary>The shuffling seed of the source, when it has one (it reproduces a resumed epoch's order).</summary>
    public long? DataSeed => Source switch
    {
        DataLoader loader => loader.Seed,
        ImageFlow flow => flow.Seed,
        _ => null,
    };

    /// <summary>Why an interrupt was asked for (first request wins), or null.</summary>
    public string? InterruptReason => Volatile.Read(ref _interruptReason);

    /// <summary>Asks the loop to stop after the current batch (safe from any thread, a signal handler's included).</summary>
    public void RequestInterrupt(string reason) => Interlocked.CompareExchange(ref _interruptReason, reason, null);

    /// <summary>Whether the loop stopped on an interrupt (set once it has).</summary>
    public bool Interrupted { get; set; }
}
