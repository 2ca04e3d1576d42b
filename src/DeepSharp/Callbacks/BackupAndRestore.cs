using System.Runtime.InteropServices;

namespace DeepSharp;

/// <summary>
/// Backs up the training state and restores it when training starts again, as Keras'
/// <c>keras.callbacks.BackupAndRestore</c>: a run stopped by Ctrl-C, SIGTERM, a kill or a crash continues where its
/// last backup was taken when the same <c>Fit</c> is called again with this callback, and ends with the same weights,
/// bit for bit, as the run never stopped (same seed and thread count).
/// </summary>
/// <remarks>
/// <para>
/// The backup is a <see cref="TrainingCheckpoint"/> in <see cref="CheckpointPath"/>, replaced atomically: a kill while it
/// is written leaves the previous one whole. It is written after every epoch, every <see cref="SaveFreq"/> batches if
/// set, and when training is interrupted. At train begin an existing backup is restored (weights, optimizer state,
/// random generators, history) and Fit continues at its epoch, skipping the batches already done; its
/// <c>initialEpoch</c> is ignored then. When Fit ends normally the backup is deleted, unless
/// <see cref="DeleteCheckpoint"/> is false.
/// </para>
/// <para>
/// With <see cref="HandleInterrupts"/> (the default), while Fit runs the first Ctrl-C (SIGINT) or SIGTERM does not end
/// the process: the current batch finishes, the backup is written, and Fit returns a history whose
/// <see cref="History.Interrupted"/> is true (the caller decides what follows, for example exiting with 130). A second
/// signal ends the process at once, as without this callback.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var history = model.Fit(x, y, epochs: 10, callbacks: [new BackupAndRestore("runs/backup")]);
/// if (history.Interrupted) return 130;   // run the same program again to continue
/// </code>
/// </example>
public sealed class BackupAndRestore : Callback
{
    /// <summary>The backup's file name in <see cref="BackupDir"/>.</summary>
    public const string CheckpointFileName = "checkpoint.safetensors";

    private readonly List<PosixSignalRegistration> _registrations = [];
    private TrainingProgress? _progress;
    private int _signals;
    private int _batchesSinceSave;
    private bool _epochEnded;

    /// <summary>Creates the callback.</summary>
    /// <param name="backupDir">The folder of the backup (created when the first backup is written).</param>
    /// <param name="saveFreq">Also back up every this many batches (null: after each epoch only, Keras' "epoch").</param>
    /// <param name="deleteCheckpoint">Delete the backup when Fit ends normally.</param>
    /// <param name="handleInterrupts">Turn the first Ctrl-C or SIGTERM during Fit into a backup and a clean stop.</param>
    public BackupAndRestore(string backupDir, int? saveFreq = null, bool deleteCheckpoint = true, bool handleInterrupts = true)
    {
        if (string.IsNullOrWhiteSpace(backupDir))
            throw new ArgumentException($"BackupAndRestore: backupDir must name a folder; got '{backupDir}'.", nameof(backupDir));
        if (saveFreq is <= 0)
            throw new ArgumentOutOfRangeException(nameof(saveFreq), saveFreq, $"BackupAndRestore: saveFreq must be a positive number of batches (or null for each epoch); got {saveFreq}.");
        BackupDir = backupDir;
        SaveFreq = saveFreq;
        DeleteCheckpoint = deleteCheckpoint;
        HandleInterrupts = handleInterrupts;
    }

    /// <summary>The folder of the backup.</summary>
    public string BackupDir { get; }

    /// <summary>The backup's file.</summary>
    public string CheckpointPath => Path.Combine(BackupDir, CheckpointFileName);

    /// <summary>Batches between backups inside an epoch, or null for a backup after each epoch only.</summary>
    public int? SaveFreq { get; }

    /// <summary>Whether the backup is deleted when Fit ends normally (not when it was interrupted or stopped on a NaN loss).</summary>
    public bool DeleteCheckpoint { get; }

    /// <summary>Whether the first Ctrl-C or SIGTERM during Fit stops training cleanly with a backup.</summary>
    public bool HandleInterrupts { get; }

    /// <summary>The backup restored when the last Fit began, or null when it started afresh.</summary>
    public TrainingCheckpoint? Restored { get; private set; }

    /// <summary>Backups written during the last Fit.</summary>
    public int Saves { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, double> logs)
    {
        _progress = Model.FitProgress ?? throw new InvalidOperationException("BackupAndRestore works inside Fit only.");
        if (_progress.DataParallel)
            throw new NotSupportedException($"BackupAndRestore: a data-parallel Fit (rank {Rank} of several) cannot be backed up and resumed yet; " +
                "train on one process to use it, or save the model after each epoch with ModelCheckpoint.");
        Restored = null;
        Saves = 0;
        _batchesSinceSave = 0;
        _epochEnded = false;
        _signals = 0;
        if (File.Exists(CheckpointPath))
        {
            var checkpoint = TrainingCheckpoint.Load(CheckpointPath);
            if (!Model.IsBuilt)
            {
                // Fit on a batch source builds the model from its first batch, after this: build it now if it says how.
                Model.EnsureBuilt(Model.DeclaredInputShape ?? throw new InvalidOperationException(
                    $"BackupAndRestore: model '{Model.Name}' is not built, so the backup in '{CheckpointPath}' cannot be restored into it; " +
                    "give its first layer an input shape, or call it on a batch before Fit."));
            }
            checkpoint.Restore(Model);
            Restored = checkpoint;
        }
        if (HandleInterrupts) Listen();
    }

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        // The epoch that just ended is backed up now, once every callback (the History among them) has seen its end.
        if (_epochEnded) Save();
    }

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        if (SaveFreq is { } every && ++_batchesSinceSave >= every) Save();
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => _epochEnded = true;

    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        try
        {
            var progress = _progress!;
            if (progress.Interrupted)
            {
                Save();
                progress.History.StopReason += $" Backed up to {CheckpointPath}.";
            }
            else if (progress.History.StoppedOnNaN)
            {
                // The last backup is the state before the loss went bad: keep it as it is.
            }
            else if (DeleteCheckpoint)
            {
                if (File.Exists(CheckpointPath)) File.Delete(CheckpointPath);
            }
            else if (_epochEnded) Save();
        }
        finally
        {
            StopListening();
            _progress = null;
        }
    }

    private void Save()
    {
        TrainingCheckpoint.Capture(Model).Save(CheckpointPath);
        Saves++;
        _batchesSinceSave = 0;
        _epochEnded = false;
    }

    private void Listen()
    {
        foreach (var signal in (PosixSignal[])[PosixSignal.SIGINT, PosixSignal.SIGTERM])
        {
            try
            {
                _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
            }
            catch (PlatformNotSupportedException)
            {
                // A platform without this signal: training runs on, interrupted only by the process ending.
            }
        }
    }

    private void StopListening()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _registrations.Clear();
    }

    /// <summary>The first signal becomes a request to stop after the batch; a later one is left to end the process.</summary>
    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) != 1 || _progress is not { } progress) return;
        context.Cancel = true;
        progress.RequestInterrupt(context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "Ctrl-C");
        Console.Error.WriteLine();
        Console.Error.WriteLine("Interrupted: finishing the current batch and writing a backup (press Ctrl-C again to quit at once).");
    }
}
