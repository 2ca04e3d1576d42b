namespace DeepSharp;

/// <summary>
/// An <see cref="Optimizer"/> for data-parallel custom training loops, as Horovod's <c>DistributedOptimizer</c>:
/// each step first averages the gradients over all ranks (<see cref="GradientAverager"/>, one fused all-reduce),
/// then lets the wrapped optimizer apply them. Every rank applies the same update to the same weights, so the
/// replicas stay identical; each rank computes its gradients on its own part of the batch.
/// </summary>
/// <example>
/// <code>
/// using var communicator = Communicator.Start();
/// var optimizer = new DistributedOptimizer(new Adam(2e-4f, beta1: 0.5f), communicator);
/// communicator.BroadcastWeights(model.TrainableWeights);       // the same start on every rank
/// using (TensorScope.Begin())
/// using (var tape = new GradientTape())
/// {
///     var loss = Ops.SparseCategoricalCrossentropy(yShard, model.Call(xShard, training: true), fromLogits: true);
///     optimizer.ApplyGradients(tape.Gradient(loss, model.TrainableWeights), model.TrainableWeights);
/// }
/// </code>
/// </example>
public sealed class DistributedOptimizer
{
    private Tensor?[] _gradients = [];

    /// <summary>Wraps <paramref name="optimizer"/>; the gradients are averaged over <paramref name="communicator"/>'s ranks (default: <see cref="DeepSharp.Communicator.Start"/>).</summary>
    /// <param name="optimizer">The optimizer that applies the averaged gradients.</param>
    /// <param name="communicator">The run's communicator.</param>
    /// <param name="bucketValues">The most values in one all-reduce (see <see cref="GradientAverager"/>).</param>
    public DistributedOptimizer(Optimizer optimizer, ICommunicator? communicator = null, int bucketValues = GradientAverager.DefaultBucketValues)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        Averager = new GradientAverager(communicator ?? DeepSharp.Communicator.Start(), bucketValues);
    }

    /// <summary>The wrapped optimizer (its learning rate, state and step count).</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The ranks the gradients are averaged over.</summary>
    public ICommunicator Communicator => Averager.Communicator;

    /// <summary>What averages the gradients.</summary>
    public GradientAverager Averager { get; }

    /// <summary>Steps taken so far.</summary>
    public long Iterations => Optimizer.Iterations;

    /// <summary>The learning rate the next step will use.</summary>
    public float CurrentLearningRate => Optimizer.CurrentLearningRate;

    /// <summary>
    /// Averages the explicit gradients over all ranks, then applies them, as <see cref="DeepSharp.Optimizer.ApplyGradients(IReadOnlyList{Tensor?}, IReadOnlyList{Tensor})"/>
    /// (a collective: every rank calls it for the same variables). The gradient tensors are overwritten with the averages.
    /// </summary>
    public void ApplyGradients(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Tensor> variables) =>
        Optimizer.ApplyGradients(Averager.Average(gradients, variables), variables);

    /// <summary>Averages and applies (gradient, variable) pairs; see <see cref="ApplyGradients(IReadOnlyList{Tensor?}, IReadOnlyList{Tensor})"/>.</summary>
    public void ApplyGradients(IEnumerable<(Tensor? Gradient, Tensor Variable)> gradientsAndVariables)
    {
        ArgumentNullException.ThrowIfNull(gradientsAndVariables);
        var pairs = gradientsAndVariables.ToArray();
        ApplyGradients(Array.ConvertAll(pairs, p => p.Gradient), Array.ConvertAll(pairs, p => p.Variable));
    }

    /// <summary>
    /// Averages the variables' <see cref="Tensor.Grad"/> over all ranks, applies them and clears them, as
    /// <see cref="DeepSharp.Optimizer.ApplyGradients(IReadOnlyList{Tensor})"/> after <c>loss.Backward()</c>.
    /// </summary>
    public void ApplyGradients(IReadOnlyList<Tensor> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        if (_gradients.Length != variables.Count) _gradients = new Tensor?[variables.Count];
        for (int i = 0; i < variables.Count; i++)
            _gradients[i] = (variables[i] ?? throw new ArgumentNullException(nameof(variables), $"DistributedOptimizer.ApplyGradients: variable {i} is null.")).Grad;
        Optimizer.ApplyGradients(Averager.Average(_gradients, variables), variables);
        for (int i = 0; i < variables.Count; i++) variables[i].ZeroGrad();
        Array.Clear(_gradients);
    }

    /// <summary>PyTorch-style spelling of <see cref="ApplyGradients(IReadOnlyList{Tensor})"/>.</summary>
    public void Step(IReadOnlyList<Tensor> parameters) => ApplyGradients(parameters);

    /// <summary>Clears the gradients of the wrapped optimizer's variables.</summary>
    public void ZeroGrad() => Optimizer.ZeroGrad();

    /// <summary>
    /// Makes every rank start from rank <paramref name="root"/>'s weights and optimizer state (a collective): call it
    /// once before the first step, and after loading a checkpoint on rank <paramref name="root"/>.
    /// </summary>
    public void BroadcastState(IReadOnlyList<Tensor> variables, int root = 0)
    {
        Communicator.BroadcastWeights(variables, root);
        Communicator.BroadcastOptimizerState(Optimizer, root);
    }
}
