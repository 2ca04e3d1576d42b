using System.Diagnostics;

namespace DeepSharp.Bench;

/// <summary>
/// When each step of a training run ended, epoch by epoch, for the rows that train whole epochs (Fit on one side, the
/// usual loop on the other). Besides the epoch average it gives the throughput over the fastest of equal slices of
/// the timed epochs: the same "fastest run" rule as <see cref="Measure"/> (the slice the host's other work disturbed
/// least), applied to both sides alike. The first epoch warms up and is not timed.
/// </summary>
internal sealed class StepTimes
{
    /// <summary>Slices each timed epoch is cut into (two timed epochs give as many candidates as Measure's 15 runs).</summary>
    private const int SlicesPerEpoch = 8;

    private readonly int _samplesPerEpoch, _batch;
    private readonly long[][] _epochs; // the timed epochs' step ends, allocated up front so that a step allocates nothing
    private long[] _current = [];
    private int _marked;

    /// <summary>Times for a run of <paramref name="epochs"/> epochs of <paramref name="samplesPerEpoch"/> samples in batches of <paramref name="batch"/>.</summary>
    public StepTimes(int samplesPerEpoch, int batch, int epochs)
    {
        (_samplesPerEpoch, _batch) = (samplesPerEpoch, batch);
        int steps = (samplesPerEpoch + batch - 1) / batch;
        _epochs = [.. Enumerable.Range(1, epochs - 1).Select(_ => new long[steps + 1])];
    }

    /// <summary>Marks an epoch's start (before its first step); steps of epoch 0 are not kept.</summary>
    public void BeginEpoch(int epoch)
    {
        _marked = 0;
        _current = epoch >= 1 && epoch <= _epochs.Length ? _epochs[epoch - 1] : [];
        if (_current.Length > 0) Mark();
    }

    /// <summary>Marks the end of a step.</summary>
    public void EndStep()
    {
        if (_current.Length > 0) Mark();
    }

    private void Mark()
    {
        if (_marked < _current.Length) _current[_marked++] = Stopwatch.GetTimestamp();
    }

    /// <summary>Samples per second over the timed epochs as wholes.</summary>
    public double EpochSamplesPerSecond
    {
        get
        {
            var whole = _epochs.Where(e => e[^1] != 0).ToList();
            double seconds = whole.Sum(e => (e[^1] - e[0]) / (double)Stopwatch.Frequency);
            return seconds > 0 ? whole.Count * (double)_samplesPerEpoch / seconds : double.NaN;
        }
    }

    /// <summary>
    /// Samples per second over the fastest slice: each timed epoch's full batches cut into equal runs of steps (a
    /// short last batch is left out).
    /// </summary>
    public double FastestSliceSamplesPerSecond
    {
        get
        {
            int fullSteps = _samplesPerEpoch / _batch;
            int stepsPerSlice = Math.Max(1, fullSteps / SlicesPerEpoch);
            double best = double.NaN;
            foreach (var ends in _epochs.Where(e => e[^1] != 0))
                for (int first = 0; first + stepsPerSlice <= fullSteps; first += stepsPerSlice)
                {
                    double seconds = (ends[first + stepsPerSlice] - ends[first]) / (double)Stopwatch.Frequency;
                    double rate = stepsPerSlice * (double)_batch / seconds;
                    if (double.IsNaN(best) || rate > best) best = rate;
                }
            return best;
        }
    }

    /// <summary>A callback that marks a Fit's epochs and steps on these times.</summary>
    public Callback Recorder() => new StepRecorder(this);

    private sealed class StepRecorder(StepTimes times) : Callback
    {
        public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs) => times.BeginEpoch(epoch);

        public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => times.EndStep();
    }
}
