namespace DeepSharp;

/// <summary>
/// Batches for a model with several inputs: one <see cref="DataLoader"/> per input, all with the same seed, so
/// every epoch visits the samples in one order across inputs and targets. Fit iterates it as an
/// <see cref="IBatchSource"/> (input 0 and the targets) and reads the other inputs' rows from <see cref="Current"/>.
/// </summary>
internal sealed class MultiInputBatches : IBatchSource, IDisposable
{
    private readonly DataLoader[] _loaders;

    internal MultiInputBatches(IReadOnlyList<Tensor> inputs, Tensor targets, int batchSize, bool shuffle, long? seed)
    {
        long shared = seed ?? (long)RandomGenerator.Default.NextUInt64();
        _loaders = new DataLoader[inputs.Count];
        for (int i = 0; i < _loaders.Length; i++)
            _loaders[i] = new DataLoader(inputs[i], i == 0 ? targets : null, batchSize, shuffle, shared);
        Current = new Tensor[inputs.Count];
    }

    /// <summary>The current batch of every input (valid until the next batch is taken).</summary>
    internal Tensor[] Current { get; }

    public int BatchesPerEpoch => _loaders[0].BatchCount;

    public int SampleCount => _loaders[0].Count;

    public IEnumerable<(Tensor X, Tensor Y)> GetBatches(int epoch)
    {
        var enumerators = new DataLoader.Enumerator[_loaders.Length];
        for (int i = 0; i < _loaders.Length; i++)
        {
            _loaders[i].Epoch = epoch;
            enumerators[i] = _loaders[i].GetEnumerator();
        }
        while (enumerators[0].MoveNext())
        {
            for (int i = 1; i < enumerators.Length; i++)
            {
                enumerators[i].MoveNext();
                Current[i] = enumerators[i].Current.X;
            }
            var first = enumerators[0].Current;
            Current[0] = first.X;
            yield return (first.X, first.Y);
        }
        Array.Clear(Current);
    }

    public void Dispose()
    {
        foreach (var loader in _loaders) loader.Dispose();
    }
}
