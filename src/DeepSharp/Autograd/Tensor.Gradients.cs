namespace DeepSharp;

public sealed partial class Tensor
{
    // Set while a backward pass delivers gradients only to chosen tensors (GradientTape, a model's trainable
    // weights): the pass's stamp, and where in its list of sources this tensor is.
    internal int _captureStamp;
    internal int _captureIndex;

    /// <summary>
    /// Whether gradients are computed for this tensor. Set it on leaf tensors (weights, inputs you want
    /// gradients of); tensors made by ops from such tensors require grad automatically.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            ThrowIfDisposed();
            if (_madeByOp && !value)
                throw new InvalidOperationException("RequiresGrad: only leaf tensors can stop requiring grad; use Detach() for a copy outside the graph.");
            _requiresGrad = value;
        }
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor, for fluent creation.</summary>
    public Tensor WithRequiresGrad(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>The gradient accumulated by <see cref="Backward(Tensor?, bool)"/> into this leaf tensor, or null.</summary>
    public Tensor? Grad => _grad;

    /// <summary>Whether this tensor was created by the user rather than by a differentiable op.</summary>
    public bool IsLeaf => !_madeByOp;

    /// <summary>The name of the op that made this tensor while its graph is alive ("matmul"), else null.</summary>
    public string? GradFunction => _node?.OpName;

    /// <summary>
    /// Computes the gradient of this tensor with respect to every leaf that requires grad, adding it to
    /// their <see cref="Grad"/>. A scalar needs no <paramref name="gradient"/>; any other tensor needs one
    /// of its own shape. The graph is released afterwards unless <paramref name="retainGraph"/> is set.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) =>
        GradientEngine.Backward(this, gradient, retainGraph);

    /// <summary>
    /// Backward that accumulates into the <see cref="Grad"/> of <paramref name="inputs"/> alone, as PyTorch's
    /// <c>loss.backward(inputs=...)</c>: other leaves, even those that require grad (a discriminator's weights
    /// during a generator step), receive nothing, and the gradients that would only reach them are not computed.
    /// Allocates nothing in steady state: <c>loss.Backward(generator.TrainableWeights); optimizer.Step(...)</c>.
    /// </summary>
    /// <param name="inputs">The tensors (usually weights) to accumulate gradients into.</param>
    /// <param name="gradient">The gradient of this tensor; needed unless it is a scalar.</param>
    /// <param name="retainGraph">Keep the graph for another backward pass.</param>
    public void Backward(IReadOnlyList<Tensor> inputs, Tensor? gradient = null, bool retainGraph = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Count; i++)
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"Backward: input {i} is null.");
        if (gradient is null && Size != 1)
            throw new InvalidOperationException(
                $"Backward: the tensor has shape {_shape}; backward without an explicit gradient needs a scalar " +
                "(one element). Reduce it first (Sum, Mean) or pass a gradient of the same shape.");
        GradientEngine.BackwardTo(this, gradient, retainGraph, inputs, results: null);
    }

    /// <summary>Clears <see cref="Grad"/> (its memory is kept and reused by the next backward pass).</summary>
    public void ZeroGrad()
    {
        if (_grad is null) return;
        _spareGrad?.Recycle();
        _spareGrad = _grad;
        _grad = null;
    }

    /// <summary>A tensor that shares this tensor's values but is cut off from the graph.</summary>
    public Tensor Detach()
    {
        ThrowIfDisposed();
        return View(this, _shape, Strides, _offset);
    }
}
