namespace DeepSharp;

/// <summary>
/// Gradients of a result with respect to exactly the tensors you name, as Keras' <c>tf.GradientTape</c>:
/// <code>
/// using var tape = new GradientTape();
/// var loss = lossFn.Compute(y, model.Call(x, training: true));
/// var grads = tape.Gradient(loss, model.TrainableWeights);
/// optimizer.ApplyGradients(grads, model.TrainableWeights);
/// </code>
/// Only the named tensors receive a gradient: weights of other models the result was computed through
/// (a discriminator during a generator step) keep their <see cref="Tensor.Grad"/> as it was. The gradients
/// returned are new tensors; inside a <see cref="TensorScope"/> they belong to that scope.
/// </summary>
/// <remarks>
/// Recording is done by autograd itself (every op on a tensor that requires grad is recorded), so the tape
/// marks the region of a step rather than switching anything on. Weights require grad already; use
/// <see cref="Watch(Tensor)"/> for an input you want the gradient of, before computing with it.
/// A tape that is not <see cref="Persistent"/> computes one set of gradients and releases the graph.
/// </remarks>
public sealed class GradientTape : IDisposable
{
    private readonly List<(Tensor Target, int Generation)>? _retained;
    private bool _used;
    private bool _disposed;

    /// <summary>Starts a tape.</summary>
    /// <param name="persistent">Whether <see cref="Gradient(Tensor, IReadOnlyList{Tensor}, Tensor?)"/> may be called more than once;
    /// the graph is then kept until the tape is disposed.</param>
    public GradientTape(bool persistent = false)
    {
        Persistent = persistent;
        if (persistent) _retained = [];
    }

    /// <summary>Whether gradients can be computed more than once from this tape.</summary>
    public bool Persistent { get; }

    /// <summary>
    /// Makes the gradient with respect to <paramref name="tensor"/> (an input, not a weight) available:
    /// ops computed with it from now on are recorded.
    /// </summary>
    public void Watch(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ThrowIfDisposed();
        if (!tensor.RequiresGrad) tensor.RequiresGrad = true;
    }

    /// <summary>Watches each of <paramref name="tensors"/>.</summary>
    public void Watch(IEnumerable<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var tensor in tensors) Watch(tensor);
    }

    /// <summary>
    /// The gradients of <paramref name="target"/> with respect to each of <paramref name="sources"/>, in
    /// order; null for a source the target does not depend on (as Keras' <c>None</c>). A non-scalar target is
    /// differentiated as its sum unless <paramref name="outputGradient"/> (same shape) is given.
    /// </summary>
    /// <param name="target">The result to differentiate, usually a scalar loss.</param>
    /// <param name="sources">The variables (weights, watched inputs) to differentiate with respect to.</param>
    /// <param name="outputGradient">The gradient flowing into <paramref name="target"/>; ones by default.</param>
    public Tensor?[] Gradient(Tensor target, IReadOnlyList<Tensor> sources, Tensor? outputGradient = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(sources);
        ThrowIfDisposed();
        if (_used && !Persistent)
            throw new InvalidOperationException(
                "GradientTape.Gradient: a tape that is not persistent computes gradients once (its graph is released); " +
                "create it with new GradientTape(persistent: true) to ask again.");
        target.ThrowIfDisposed();
        for (int i = 0; i < sources.Count; i++)
        {
            if (sources[i] is null) throw new ArgumentNullException(nameof(sources), $"GradientTape.Gradient: source {i} is null.");
            sources[i].ThrowIfDisposed();
        }
        if (outputGradient is not null && outputGradient.Shape != target.Shape)
            throw new ArgumentException(
                $"GradientTape.Gradient: outputGradient has shape {outputGradient.Shape} but the target has shape {target.Shape}.", nameof(outputGradient));
        _used = true;
        var results = new Tensor?[sources.Count];
        if (!target.RequiresGrad) return results; // nothing recorded: no source influences it, as Keras' all-None answer
        GradientEngine.BackwardTo(target, outputGradient, retainGraph: Persistent, sources, results);
        if (Persistent) _retained!.Add((target, target._generation));
        foreach (var gradient in results)
            if (gradient is not null && gradient._scopeSlot < 0) TensorScope.Register(gradient);
        return results;
    }

    /// <summary>The gradient of <paramref name="target"/> with respect to one <paramref name="source"/> (null if unconnected).</summary>
    public Tensor? Gradient(Tensor target, Tensor source, Tensor? outputGradient = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Gradient(target, [source], outputGradient)[0];
    }

    /// <summary>Ends the tape; a persistent tape releases the graphs it kept.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_retained is null) return;
        foreach (var (target, generation) in _retained)
            if (!target.IsDisposed && target._generation == generation) GradientEngine.ReleaseGraph(target);
        _retained.Clear();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
