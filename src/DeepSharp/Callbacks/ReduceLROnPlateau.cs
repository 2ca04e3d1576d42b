namespace DeepSharp;

/// <summary>
/// Multiplies the learning rate by <see cref="Factor"/> when a monitored quantity has stopped improving,
/// as Keras' <c>ReduceLROnPlateau</c>. The optimizer's learning rate must be a number, not a schedule.
/// </summary>
public sealed class ReduceLROnPlateau : Callback
{
    private readonly MonitoredValue _monitored;
    private int _wait;
    private int _cooldownLeft;

    /// <summary>Creates the callback; defaults as Keras.</summary>
    public ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, MonitorMode mode = MonitorMode.Auto,
        double minDelta = 1e-4, int cooldown = 0, double minLearningRate = 0, int verbose = 0)
    {
        if (!(factor > 0 && factor < 1))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "ReduceLROnPlateau: factor must be in (0, 1).");
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, "ReduceLROnPlateau: patience must be >= 0.");
        if (cooldown < 0) throw new ArgumentOutOfRangeException(nameof(cooldown), cooldown, "ReduceLROnPlateau: cooldown must be >= 0.");
        _monitored = new MonitoredValue(monitor, mode, minDelta);
        Factor = factor;
        Patience = patience;
        Cooldown = cooldown;
        MinLearningRate = minLearningRate;
        Verbose = verbose;
    }

    /// <summary>The factor the learning rate is multiplied by.</summary>
    public double Factor { get; }

    /// <summary>Epochs without improvement before a reduction.</summary>
    public int Patience { get; }

    /// <summary>Epochs to wait after a reduction before watching again.</summary>
    public int Cooldown { get; }

    /// <summary>The learning rate never goes below this.</summary>
    public double MinLearningRate { get; }

    /// <summary>1 prints a line at each reduction.</summary>
    public int Verbose { get; }

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, double> logs)
    {
        _wait = 0;
        _cooldownLeft = 0;
        _monitored.Reset();
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (!_monitored.TryRead(logs, nameof(ReduceLROnPlateau), out double value)) return;
        var optimizer = Model.Optimizer ?? throw new InvalidOperationException("ReduceLROnPlateau: the model is not compiled.");
        if (_cooldownLeft > 0)
        {
            _cooldownLeft--;
            _wait = 0;
        }
        if (_monitored.IsImprovement(value, _monitored.Best))
        {
            _monitored.SetBest(value);
            _wait = 0;
            return;
        }
        if (_cooldownLeft > 0) return;
        if (++_wait < Patience) return;
        if (optimizer.LearningRate is not ConstantLearningRate current)
            throw new InvalidOperationException("ReduceLROnPlateau: the optimizer's learning rate is a schedule; it can only reduce a constant learning rate.");
        double reduced = Math.Max(current.Value * Factor, MinLearningRate);
        if (reduced < current.Value)
        {
            optimizer.LearningRate = (float)reduced;
            if (Verbose > 0) ProgressBar.CurrentOutput.WriteLine($"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {reduced:G6}.");
            _cooldownLeft = Cooldown;
            _wait = 0;
        }
    }
}
