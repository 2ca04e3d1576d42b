namespace DeepSharp;

/// <summary>
/// How a model computes its output for one input shape at inference, worked out on the first batch of that shape:
/// that batch runs through the model's own <see cref="Layer.Call(Tensor, bool)"/>, which checks every layer's input
/// (and builds what is not built); later batches of the shape run the layers' forward passes alone, without those
/// checks, without activity penalties, and without the layers that give back their input when not training (dropout,
/// random augmentation). The ops are the same as Call's, so the results are the same bits. A plan holds no buffers:
/// the tensors of a run come from the pool and go back when the caller's <see cref="TensorScope"/> ends.
/// </summary>
internal sealed class InferencePlan
{
    private readonly Model _model;
    private readonly Layer[]? _layers; // null: the model's own Call (a functional graph, masking layers, a subclassed model)

    private InferencePlan(Model model, Layer[]? layers, TensorShape inputShape, TensorShape outputShape)
    {
        _model = model;
        _layers = layers;
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

    /// <summary>The output for <paramref name="x"/>, a batch of <see cref="InputShape"/>; recording must be off.</summary>
    internal Tensor Run(Tensor x)
    {
        var layers = _layers;
        if (layers is null) return _model.Call(x, training: false);
        for (int i = 0; i < layers.Length; i++) x = layers[i].Infer(x);
        return x;
    }

    /// <summary>The layers a Sequential's inference runs, in order; null where the model's own Call must run.</summary>
    private static Layer[]? StepsOf(Model model)
    {
        if (model is not Sequential sequential) return null;
        var steps = new List<Layer>(sequential.Layers.Count);
        foreach (var layer in sequential.Layers)
        {
            if (layer is IMaskingLayer) return null; // a step mask travels beside the tensors: Sequential's Forward handles it
            if (!layer.IsIdentityAtInference && layer is not Input) steps.Add(layer);
        }
        return [.. steps];
    }
}
