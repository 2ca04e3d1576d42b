namespace DeepSharp;

/// <summary>
/// One split of a dataset (the training or the test set): inputs <see cref="X"/> and targets <see cref="Y"/>,
/// aligned along their first axis. Deconstructs as <c>var (x, y) = split;</c>.
/// </summary>
/// <param name="X">The inputs, e.g. images of shape [N, 28, 28].</param>
/// <param name="Y">The targets, e.g. class indices of shape [N] stored as floats.</param>
public sealed record DatasetSplit(Tensor X, Tensor Y) : IDisposable
{
    /// <summary>The number of samples.</summary>
    public int Count => X.Shape[0];

    /// <summary>Frees both tensors now (otherwise the garbage collector does, some time later).</summary>
    public void Dispose()
    {
        X.Dispose();
        Y.Dispose();
    }
}
