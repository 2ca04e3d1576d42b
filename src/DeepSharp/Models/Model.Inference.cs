namespace DeepSharp;

public partial class Model
{
    private const int PlansKept = 16; // input shapes remembered; more (a model fed every length) start over

    private readonly Lock _inferenceGate = new();
    private InferencePlan? _lastPlan;
    private Dictionary<TensorShape, InferencePlan>? _plans;

    /// <summary>
    /// Writes the model's output for the batch <paramref name="x"/> into <paramref name="output"/>: Predict for serving
    /// requests one batch at a time (batch 1 included) with the least overhead. No progress bar and no batching, nothing
    /// recorded for gradients; dropout and random augmentation are inactive and batch normalization uses its moving
    /// statistics, as in <see cref="Predict(Tensor, int, int)"/>, which gives the same values. The first batch of each
    /// input shape checks every layer; later batches of that shape run the layers alone and allocate no managed memory.
    /// </summary>
    /// <param name="x">Inputs: (samples, ...), one batch.</param>
    /// <param name="output">Receives the outputs; contiguous, of the model's output shape for <paramref name="x"/>.</param>
    /// <remarks>
    /// Thread-safe: calls on one model from several threads take turns (the model runs one batch at a time); to serve
    /// in parallel, give each thread a copy of the model. Not meant to run while the same model trains.
    /// </remarks>
    public void Predict(Tensor x, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(output);
        if (x.Rank == 0 || x.Shape[0] == 0) throw new ArgumentException($"Predict: x must hold at least one sample; got shape {x.Shape}.", nameof(x));
        if (!output.IsContiguous)
            throw new ArgumentException($"Predict: output must be a contiguous tensor; got a view of shape {output.Shape}.", nameof(output));
        RequireSingleInputOutput("Predict");
        using (TensorScope.Begin())
        using (Autograd.NoGrad())
        {
            var y = RunInference(x);
            if (y.Shape != output.Shape)
                throw new ArgumentException(
                    $"Predict: model '{Name}' gives outputs of shape {y.Shape} for x of shape {x.Shape}, but output has shape {output.Shape}.", nameof(output));
            Ops.CopyRowsInto(y, output, 0);
        }
    }

    /// <summary>
    /// The output for a batch through the inference plan of its shape (made now from this batch if there is none);
    /// recording must be off, and the output belongs to the caller's scope.
    /// </summary>
    internal Tensor RunInference(Tensor x)
    {
        lock (_inferenceGate)
        {
            var plan = _lastPlan;
            if (plan is null || plan.InputShape != x.Shape)
            {
                if (_plans is null || !_plans.TryGetValue(x.Shape, out plan))
                {
                    plan = InferencePlan.Create(this, x, out var first);
                    _plans ??= new Dictionary<TensorShape, InferencePlan>();
                    if (_plans.Count >= PlansKept) _plans.Clear();
                    _plans[plan.InputShape] = plan;
                    _lastPlan = plan;
                    return first;
                }
                _lastPlan = plan;
            }
            return plan.Run(x);
        }
    }

    /// <summary>The inference plan made for batches of <paramref name="shape"/>, or null when there is none yet.</summary>
    internal InferencePlan? InferencePlanFor(TensorShape shape)
    {
        lock (_inferenceGate) return _plans is not null && _plans.TryGetValue(shape, out var plan) ? plan : null;
    }

    /// <summary>Forgets the inference plans (the layers changed: a Sequential got another layer).</summary>
    private protected void ForgetInferencePlans()
    {
        lock (_inferenceGate)
        {
            _lastPlan = null;
            _plans = null;
        }
    }
}
