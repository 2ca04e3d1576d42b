namespace DeepSharp;

/// <summary>
/// Hooks into <c>Fit</c>, as Keras' callbacks: called when training, each epoch and each batch begin and
/// end. <c>logs</c> hold the values so far ("loss", "accuracy", and at epoch end "val_loss", ...); the
/// dictionary is reused between calls, so copy what you keep.
/// </summary>
public abstract class Callback
{
    /// <summary>The model being trained (set by Fit before <see cref="OnTrainBegin"/>).</summary>
    public Model Model { get; internal set; } = null!;

    /// <summary>
    /// Whether, in a data-parallel Fit (several ranks under mpirun), this callback runs on rank 0 alone: one that only
    /// writes (files, logs, pictures) does, as <see cref="ModelCheckpoint"/> and <see cref="CSVLogger"/>, so that one
    /// process writes them. False by default: the callback runs on every rank with the same logs (the loss and metrics
    /// of all ranks), so that one that decides (<see cref="EarlyStopping"/>, <see cref="ReduceLROnPlateau"/>) decides
    /// alike everywhere; if it stops training on any rank, every rank stops after that epoch.
    /// </summary>
    public virtual bool RankZeroOnly => false;

    /// <summary>
    /// This process' rank in the data-parallel Fit that runs the callback (0 in one process; set by Fit with
    /// <see cref="Model"/>): a callback that runs on every rank, such as one that restores a checkpoint at the start,
    /// writes its files on rank 0 alone.
    /// </summary>
    public int Rank { get; internal set; }

    /// <summary>Called once before the first epoch.</summary>
    public virtual void OnTrainBegin(IReadOnlyDictionary<string, double> logs)
    {
    }

    /// <summary>Called once after the last epoch (or after training stopped early).</summary>
    public virtual void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
    }

    /// <summary>Called before epoch <paramref name="epoch"/> (0-based).</summary>
    public virtual void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs)
    {
    }

    /// <summary>Called after epoch <paramref name="epoch"/> with its training and validation values.</summary>
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
    }

    /// <summary>Called before training batch <paramref name="batch"/> of the epoch.</summary>
    public virtual void OnTrainBatchBegin(int batch, IReadOnlyDictionary<string, double> logs)
    {
    }

    /// <summary>Called after training batch <paramref name="batch"/> with the epoch's running values.</summary>
    public virtual void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
    }
}
