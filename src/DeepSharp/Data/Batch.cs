namespace DeepSharp;

/// <summary>
/// One mini-batch from a <see cref="DataLoader"/> or another <see cref="IBatchSource"/>: the inputs (one tensor
/// per model input; <see cref="X"/> is the first) and, when the source has targets, <see cref="Y"/>.
/// Deconstructs as <c>foreach (var (x, y) in loader)</c>.
/// </summary>
/// <remarks>
/// The tensors belong to the source and are overwritten by the next batch: they are valid until the
/// enumeration moves on (or the source is disposed). Use them within the step; copy what must outlive it.
/// Do not dispose them.
/// </remarks>
public readonly struct Batch
{
    private readonly Tensor[]? _inputs;
    private readonly Tensor? _y;

    /// <summary>A batch of <paramref name="inputs"/> (the source's own array, reused from batch to batch) and targets.</summary>
    internal Batch(Tensor[] inputs, Tensor? y, int number, int start)
    {
        _inputs = inputs;
        _y = y;
        Number = number;
        Start = start;
    }

    /// <summary>The inputs: the rows of the loader's x chosen for this batch, shape [batch size, ...] (the first input when there are several).</summary>
    public Tensor X => _inputs is null ? null! : _inputs[0];

    /// <summary>Every input of the batch, in the order the model takes them (one for a model with one input).</summary>
    public ReadOnlySpan<Tensor> Inputs => _inputs;

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
