namespace DeepSharp;

/// <summary>
/// Where Fit takes its training batches from: tensors in memory (shuffled each epoch, one tensor or several
/// inputs) or a generator that augments images on the fly. Batches are owned by the source and stay valid
/// until the next one is taken.
/// </summary>
public interface IBatchSource
{
    /// <summary>Batches in one epoch.</summary>
    int BatchesPerEpoch { get; }

    /// <summary>Samples in one epoch.</summary>
    int SampleCount { get; }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>, each with its inputs (one tensor per model input) and
    /// targets; the epoch number seeds shuffling.
    /// </summary>
    IEnumerable<Batch> GetBatches(int epoch);

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/> from batch <paramref name="firstBatch"/> on: a run resumed inside an
    /// epoch continues with the batches it had not taken, in the same order. By default the first batches are made and
    /// skipped; a source that can start anywhere overrides it.
    /// </summary>
    IEnumerable<Batch> GetBatches(int epoch, int firstBatch) => firstBatch == 0 ? GetBatches(epoch) : GetBatches(epoch).Skip(firstBatch);
}
