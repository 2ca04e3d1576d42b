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
    private Tensor[] _exchangedFor = [];   // the variables, then the averaged state
    private Tensor?[] _averaged = [];      // the averaged gradients alone, for the wrapped optimizer
    private readonly ReadyGradients _listener;

    /// <summary>Wraps <paramref name="optimizer"/>; the gradients are averaged over <paramref name="communicator"/>'s ranks (default: <see cref="DeepSharp.Communicator.Start"/>).</summary>
    /// <param name="optimizer">The optimizer that applies the averaged gradients.</param>
    /// <param name="communicator">The run's communicator.</param>
    /// <param name="bucketValues">The most values in one all-reduce (see <see cref="GradientAverager"/>).</param>
    public DistributedOptimizer(Optimizer optimizer, ICommunicator? communicator = null, int bucketValues = GradientAverager.DefaultBucketValues)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        Averager = new GradientAverager(communicator ?? DeepSharp.Communicator.Start(), bucketValues);
        _listener = new ReadyGradients(Averager);
    }

    /// <summary>The wrapped optimizer (its learning rate, state and step count).</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The ranks the gradients are averaged over.</summary>
    public ICommunicator Communicator => Averager.Communicator;

    /// <summary>What averages the gradients.</summary>
    public GradientAverager Averager { get; }

    /// <summary>
    /// Tensors averaged over the ranks with every step's gradients, in the same all-reduce: the moving statistics of
    /// the batch normalization layers the step trains (<see cref="MovingStatistics.Of"/>), which each rank updates from
    /// its own part of the batch. Every rank lists the same tensors. <see cref="BroadcastState"/> broadcasts them too.
    /// </summary>
    public IReadOnlyList<Tensor> AveragedState
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            for (int i = 0; i < value.Count; i++)
                if (value[i] is null) throw new ArgumentNullException(nameof(value), $"DistributedOptimizer.AveragedState: tensor {i} is null.");
            field = [.. value];
        }
    } = [];

    /// <summary>Steps taken so far.</summary>
    public long Iterations => Optimizer.Iterations;

    /// <summary>The learning rate the next step will use.</summary>
    public float CurrentLearningRate => Optimizer.CurrentLearningRate;

    /// <summary>
    /// Averages the explicit gradients over all ranks, then applies them, as <see cref="DeepSharp.Optimizer.ApplyGradients(IReadOnlyList{Tensor?}, IReadOnlyList{Tensor})"/>
    /// (a collective: every rank calls it for the same variables). The gradient tensors are overwritten with the averages.
    /// </summary>
    public void ApplyGradients(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Tensor> variables) =>
        Optimizer.ApplyGradients(Exchange(gradients, variables), variables);

    /// <summary>
    /// Averages the gradients and <see cref="AveragedState"/> in one exchange, weighted and with sums as
    /// <see cref="GradientAverager.Average(IReadOnlyList{Tensor?}, IReadOnlyList{Tensor}, float, Span{float})"/>; returns the
    /// averaged gradients (the list is reused by the next call).
    /// </summary>
    internal IReadOnlyList<Tensor?> Exchange(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Tensor> variables, float weight = 1f, Span<float> sums = default)
    {
        var state = AveragedState;
        if (state.Count == 0) return Averager.Average(gradients, variables, weight, sums);
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(variables);
        if (gradients.Count != variables.Count)
            throw new ArgumentException($"DistributedOptimizer: {gradients.Count} gradients were given for {variables.Count} variables; they must pair up one to one.", nameof(gradients));
        BeginExchange(variables, weight, sums);
        for (int i = variables.Count - 1; i >= 0; i--) Averager.Ready(i, gradients[i]);
        return EndExchange(sums);
    }

    /// <summary>
    /// Starts an exchange whose gradients backward delivers one by one: pass the returned listener to the backward pass
    /// over <paramref name="variables"/> (it hands each <see cref="Tensor.Grad"/> to the averager as soon as it is
    /// complete, so the first buckets travel while backward runs), then call <see cref="EndExchange"/>. The moving
    /// statistics of <see cref="AveragedState"/>, final since the forward pass, go with the first bucket. With
    /// <paramref name="gradientsInBuckets"/> (the variables are this process' own and backward fills their
    /// <see cref="Tensor.Grad"/>), backward writes each gradient straight into its bucket, where the average is left. With
    /// <paramref name="totalWeight"/> > 0 (what the ranks' weights add up to, known in advance), backward must be seeded with
    /// weight / totalWeight: the all-reduce's sums are then the averages (see <see cref="GradientAverager.BeginStep"/>).
    /// </summary>
    internal IGradientReadyListener BeginExchange(IReadOnlyList<Tensor> variables, float weight, ReadOnlySpan<float> sums, bool gradientsInBuckets = false,
        float totalWeight = 0)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var state = AveragedState;
        int count = variables.Count, total = count + state.Count;
        if (_exchangedFor.Length != total) _exchangedFor = new Tensor[total];
        if (_averaged.Length != count) _averaged = new Tensor?[count];
        for (int i = 0; i < count; i++) _exchangedFor[i] = variables[i];
        for (int i = 0; i < state.Count; i++) _exchangedFor[count + i] = state[i];
        _listener.Variables = variables;
        Averager.BeginStep(state.Count == 0 ? variables : _exchangedFor, weight, sums, gradientsInBuckets ? count : 0, totalWeight);
        for (int i = 0; i < state.Count; i++) Averager.Ready(count + i, state[i]); // averaged in place
        return _listener;
    }

    /// <summary>Ends the exchange <see cref="BeginExchange"/> started: the averaged gradients (the list is reused), and the sums.</summary>
    internal IReadOnlyList<Tensor?> EndExchange(Span<float> sums)
    {
        var averaged = Averager.EndStep(sums);
        int count = _listener.Variables.Count;
        for (int i = 0; i < count; i++) _averaged[i] = averaged[i];
        _listener.Variables = [];
        return _averaged;
    }

    /// <summary>Hands each variable's gradient to the averager as backward completes it.</summary>
    private sealed class ReadyGradients(GradientAverager averager) : IGradientReadyListener
    {
        public IReadOnlyList<Tensor> Variables = [];

        public void GradientReady(int index) => averager.Ready(index, Variables[index].Grad);
    }

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
        Optimizer.ApplyGradients(Exchange(_gradients, variables), variables);
        for (int i = 0; i < variables.Count; i++) variables[i].ZeroGrad();
        Array.Clear(_gradients);
    }

    /// <summary>PyTorch-style spelling of <see cref="ApplyGradients(IReadOnlyList{Tensor})"/>.</summary>
    public void Step(IReadOnlyList<Tensor> parameters) => ApplyGradients(parameters);

    /// <summary>Clears the gradients of the wrapped optimizer's variables.</summary>
    public void ZeroGrad() => Optimizer.ZeroGrad();

    /// <summary>
    /// Makes every rank start from rank <paramref name="root"/>'s weights, <see cref="AveragedState"/> and optimizer state (a collective): call it
    /// once before the first step, and after loading a checkpoint on rank <paramref name="root"/>.
    /// </summary>
    public void BroadcastState(IReadOnlyList<Tensor> variables, int root = 0)
    {
        Communicator.BroadcastWeights(variables, root);
        if (AveragedState.Count > 0) Communicator.BroadcastWeights(AveragedState, root);
        Communicator.BroadcastOptimizerState(Optimizer, root);
    }
}
