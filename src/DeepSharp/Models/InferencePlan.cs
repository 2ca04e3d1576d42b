namespace DeepSharp;

/// <summary>
/// How a model computes its output for one input shape at inference, worked out on the first batch of that shape:
/// that batch runs through the model's own <see cref="Layer.Call(Tensor, bool)"/>, which checks every layer's input
/// (and builds what is not built); later batches of the shape run the layers' forward passes alone, without those
/// checks, without activity penalties, and without the layers that give back their input when not training (dropout,
/// random augmentation). The ops are the same as Call's (a convolution and the max pooling after it run as one op, as
/// Sequential's Call runs them), so the results are the same bits. A plan holds no buffers:
/// the tensors of a run come from the pool and go back when the caller's <see cref="TensorScope"/> ends.
/// </summary>
internal sealed class InferencePlan
{
    private readonly Model _model;
    private readonly Step[]? _steps; // null: the model's own Call (a functional graph, masking layers, a subclassed model)

    private InferencePlan(Model model, Step[]? steps, TensorShape inputShape, TensorShape outputShape)
    {
        _model = model;
        _steps = steps;
        InputShape = inputShape;
        OutputShape = outputShape;
    }

    /// <summary>The batch shape the plan was made for.</summary>
    internal TensorShape InputShape { get; }

    /// <summary>The shape of the output for a batch of <see cref="InputShape"/>.</summary>
    internal TensorShape OutputShape { get; }

    /// <summary>
    /// Runs <paramref name="x"/> through <paramref name="model"/>'s Call (no recording, in the caller's scope) and
    /// returns the plan for its shape with the output.
    /// </summary>
    internal static InferencePlan Create(Model model, Tensor x, out Tensor output)
    {
        using (Autograd.NoGrad()) output = model.Call(x, training: false);
        return new InferencePlan(model, StepsOf(model), x.Shape, output.Shape);
    }

    /// <summary>Steps that run a convolution and the max pooling after it as one op.</summary>
    internal int PooledSteps
    {
        get
        {
            int count = 0;
            foreach (var step in _steps ?? []) if (step.Pooled is not null) count++;
            return count;
        }
    }

    /// <summary>The output for <paramref name="x"/>, a batch of <see cref="InputShape"/>; recording must be off.</summary>
    internal Tensor Run(Tensor x)
    {
        var steps = _steps;
        if (steps is null) return _model.Call(x, training: false);
        for (int i = 0; i < steps.Length; i++) x = steps[i].Pooled is { } conv ? conv.InferPooled(x) : steps[i].Layer.Infer(x);
        return x;
    }

    /// <summary>The steps a Sequential's inference runs, in order; null where the model's own Call must run.</summary>
    private static Step[]? StepsOf(Model model)
    {
        if (model is not Sequential sequential) return null;
        var layers = sequential.Layers;
        var steps = new List<Step>(layers.Count);
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            if (layer is IMaskingLayer) return null; // a step mask travels beside the tensors: Sequential's Forward handles it
            if (layer is Conv2D conv && i + 1 < layers.Count && conv.FusesWith(layers[i + 1]))
            {
                // As Sequential's Forward: the convolution and the max pooling after it, as one op.
                steps.Add(new Step(conv, conv));
                i++;
            }
            else if (!layer.IsIdentityAtInference && layer is not Input) steps.Add(new Step(layer, null));
        }
        return [.. steps];
    }

    /// <summary>One step of a plan: a layer's inference, or a convolution fused with the max pooling after it.</summary>
    private readonly record struct Step(Layer Layer, Conv2D? Pooled);
}
