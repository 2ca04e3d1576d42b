namespace DeepSharp;

/// <summary>
/// Stops training when a monitored quantity has stopped improving, as Keras' <c>EarlyStopping</c>;
/// optionally puts back the weights of the best epoch.
/// </summary>
public sealed class EarlyStopping : Callback
{
    private readonly MonitoredValue _monitored;
    private float[][]? _bestWeights;
    private int _wait;

    /// <summary>Creates the callback; defaults as Keras.</summary>
    /// <param name="monitor">The quantity to watch ("val_loss").</param>
    /// <param name="minDelta">Smallest change that counts as an improvement.</param>
    /// <param name="patience">Epochs without improvement before stopping.</param>
    /// <param name="mode">Whether lower or higher is better.</param>
    /// <param name="baseline">A value the quantity must beat; training stops if it does not within the patience.</param>
    /// <param name="restoreBestWeights">Put back the best epoch's weights at the end.</param>
    /// <param name="startFromEpoch">Epochs to wait before watching at all (warm-up).</param>
    public EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, MonitorMode mode = MonitorMode.Auto,
        double? baseline = null, bool restoreBestWeights = false, int startFromEpoch = 0)
    {
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, "EarlyStopping: patience must be >= 0.");
        _monitored = new MonitoredValue(monitor, mode, minDelta);
        Patience = patience;
        Baseline = baseline;
        RestoreBestWeights = restoreBestWeights;
        StartFromEpoch = startFromEpoch;
    }

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <summary>A value to beat, or null.</summary>
    public double? Baseline { get; }

    /// <summary>Whether the best weights are restored at the end.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>Epochs before watching starts.</summary>
    public int StartFromEpoch { get; }

    /// <summary>The epoch training stopped at (0 if it did not stop early).</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>The epoch with the best value so far, or -1.</summary>
    public int BestEpoch { get; private set; } = -1;

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, double> logs)
    {
        _wait = 0;
        StoppedEpoch = 0;
        BestEpoch = -1;
        _bestWeights = null;
        _monitored.Reset();
        if (Baseline is { } b) _monitored.SetBest(b);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (epoch < StartFromEpoch || !_monitored.TryRead(logs, nameof(EarlyStopping), out double value)) return;
        if (RestoreBestWeights && _bestWeights is null) _bestWeights = Model.GetWeights();
        _wait++;
        if (_monitored.IsImprovement(value, _monitored.Best))
        {
            _monitored.SetBest(value);
            BestEpoch = epoch;
            if (RestoreBestWeights) _bestWeights = Model.GetWeights();
            // Keras: with a baseline, only beating it resets the wait.
            if (Baseline is null || _monitored.IsImprovement(value, Baseline.Value)) _wait = 0;
            return;
        }
        if (_wait >= Patience && epoch > 0)
        {
            StoppedEpoch = epoch;
            Model.StopTraining = true;
            Model.StopReason = $"EarlyStopping: '{_monitored.Monitor}' did not improve for {_wait} epoch(s) (best {_monitored.Best:G6} at epoch {BestEpoch + 1}).";
            if (RestoreBestWeights && _bestWeights is not null) Model.SetWeights(_bestWeights);
        }
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        // Keras also restores when training ran out of epochs before the patience did.
        if (RestoreBestWeights && _bestWeights is not null && StoppedEpoch == 0) Model.SetWeights(_bestWeights);
    }
}
