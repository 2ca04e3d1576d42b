namespace DeepSharp;

/// <summary>
/// One mini-batch from a <see cref="DataLoader"/>: inputs <see cref="X"/> and, when the loader has targets,
/// <see cref="Y"/>. Deconstructs as <c>foreach (var (x, y) in loader)</c>.
/// </summary>
/// <remarks>
/// The tensors belong to the loader and are overwritten by the next batch: they are valid until the
/// enumeration moves on (or the loader is disposed). Use them within the step; copy what must outlive it.
/// Do not dispose them.
/// </remarks>
public readonly struct Batch
{
    private readonly Tensor? _y;

    internal Batch(Tensor x, Tensor? y, int number, int start)
    {
        X = x;
        _y = y;
        Number = number;
        Start = start;
    }

    /// <summary>The inputs: the rows of the loader's x chosen for this batch, shape [batch size, ...].</summary>
    public Tensor X { get; }

    /// <summary>The targets matching <see cref="X"/> row by row.</summary>
    /// <exception cref="InvalidOperationException">The loader was made without targets.</exception>
    public Tensor Y => _y ?? throw new InvalidOperationException("Batch.Y: this DataLoader was made without targets (y); it yields inputs only.");

    /// <summary>Whether the batch has targets.</summary>
    public bool HasTargets => _y is not null;

    /// <summary>The position of this batch in its epoch, from 0.</summary>
    public int Number { get; }

    /// <summary>The position of this batch's first sample in the epoch's (possibly shuffled) order.</summary>
    public int Start { get; }

    /// <summary>The number of samples in this batch (the last batch of an epoch may be smaller).</summary>
    public int Size => X.Shape[0];

    /// <summary>Deconstructs into inputs and targets.</summary>
    public void Deconstruct(out Tensor x, out Tensor y)
    {
        x = X;
        y = Y;
    }
}
