namespace DeepSharp.Bench;

/// <summary>
/// A callback that counts, over every epoch after the first (which warms the JIT and fills the pools), the
/// managed bytes allocated on the training thread and the gen-2 collections.
/// </summary>
internal sealed class SteadyStateProbe(int stepsPerEpoch) : Callback
{
    private long _bytes, _steps, _epochStartBytes;
    private int _gen2, _epochs, _epochStartGen2;

    /// <summary>Managed bytes per step of the measured epochs.</summary>
    public double BytesPerStep => _steps == 0 ? double.NaN : _bytes / (double)_steps;

    /// <summary>Gen-2 collections per measured epoch.</summary>
    public double Gen2PerEpoch => _epochs == 0 ? double.NaN : _gen2 / (double)_epochs;

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        _epochStartBytes = GC.GetAllocatedBytesForCurrentThread();
        _epochStartGen2 = GC.CollectionCount(2);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (epoch == 0) return;
        _bytes += GC.GetAllocatedBytesForCurrentThread() - _epochStartBytes;
        _gen2 += GC.CollectionCount(2) - _epochStartGen2;
        _steps += stepsPerEpoch;
        _epochs++;
    }
}
