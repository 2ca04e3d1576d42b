namespace DeepSharp.Examples;

/// <summary>
/// The floating-point operations of a training step as the benchmarks count them, from a built model's layer shapes:
/// direct-algorithm FLOPs, two per multiply-add of the layers' products (dense, convolution, transposed convolution,
/// recurrent input and recurrent products, attention's projections and its two batched products q·kᵀ and
/// weights·v), nothing for elementwise work (activations, pooling, normalization, position embeddings, merges, the
/// loss, the optimizer) or data movement (reshapes, patches cut by reshaping). A faster algorithm (Winograd) still
/// counts the direct FLOPs, so an algorithmic gain shows as more than 100% of the machine's peak.
/// </summary>
/// <remarks>
/// A product's backward pass costs twice its forward pass (the weight gradient and the input gradient), except that
/// a product reading the model's input (the data) computes no gradient of it: a step is 3 × forward, less once the
/// products of the layers that read the model's input directly — in a <see cref="Sequential"/> its first layer, in a
/// functional model every call of a layer on one of its <see cref="Model.Inputs"/>. For a recurrent first layer only
/// the input projection goes: the recurrent product's gradient still flows back through time. Attention's q·kᵀ and
/// weights·v multiply two computed tensors: both of their gradients are counted. (With a weightless layer first, as
/// the seed MLP's Flatten or the vit's Reshape, the next layer's input gradient is counted.)
/// </remarks>
public static class TrainingFlops
{
    /// <summary>Forward FLOPs of one sample through the built model <paramref name="model"/> (a Sequential or functional model).</summary>
    public static long ForwardPerSample(Model model) => Count(model).Total;

    /// <summary>FLOPs of one sample's share of a training step (forward, weight and input gradients) of <paramref name="model"/>.</summary>
    public static long StepPerSample(Model model)
    {
        var count = Count(model);
        return 3 * count.Total - count.FromData;
    }

    /// <summary>
    /// FLOPs of one <see cref="GanTrainer.TrainStep"/> at <paramref name="batch"/>: the generator's forward pass once; the
    /// discriminator's step on the real and the generated batch (forward, weight and input gradients, none of its
    /// first layer's input); the generator's step through the discriminator (its forward pass again and its input
    /// gradients down to the images, no weight gradients), then the generator's weight and input gradients (none of
    /// its first layer's input).
    /// </summary>
    public static long GanStep(Sequential generator, Sequential discriminator, int batch)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(discriminator);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var g = Count(generator);
        var d = Count(discriminator);
        long perGenerated = g.Total + (2 * g.Total - g.FromData) + 2 * d.Total; // forward; weight and input gradients; the pass through D and back
        long perDiscriminated = 3 * d.Total - d.FromData;                       // each real and each generated image of the discriminator's step
        return batch * perGenerated + 2L * batch * perDiscriminated;
    }

    /// <summary>A model's forward FLOPs per sample, and those of its products whose input gradient would be the data's.</summary>
    private static (long Total, long FromData) Count(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.IsBuilt)
            throw new ArgumentException($"TrainingFlops: model '{model.Name}' is not built; build it (call it once, or give its first layer an input shape).", nameof(model));
        var count = Forward(model, []); // a model reads its layers' own shapes
        return (count.Total, Sum(count.FromInputs));
    }

    /// <summary>
    /// One call's forward FLOPs per sample on inputs of <paramref name="inputs"/> shapes: <c>Total</c> of all its products,
    /// <c>FromInputs</c> per input of those whose input gradient is that input's gradient.
    /// </summary>
    private static (long Total, long[] FromInputs) Forward(Layer layer, TensorShape[] inputs)
    {
        var input = inputs.Length > 0 ? inputs[0] : default;
        switch (layer)
        {
            case Sequential nested:
            {
                long total = 0, first = 0;
                for (int i = 0; i < nested.Layers.Count; i++)
                {
                    var inner = nested.Layers[i];
                    var count = Forward(inner, [Known(inner, inner.InputShape ?? throw new ArgumentException($"TrainingFlops: layer '{inner.Name}' is not built.", nameof(layer)))]);
                    total += count.Total;
                    if (i == 0) first = count.FromInputs[0];
                }
                return (total, [first]);
            }
            case Model { IsFunctional: true } functional:
                return Functional(functional);
            case Dense dense:
                return Single(2L * (input.Size / input[-1]) * dense.Kernel.Size);
            case Conv2DTranspose transposed:
                // Every input pixel meets the whole kernel once (a scatter into the output).
                return Single(2L * input[0] * input[1] * transposed.Kernel.Size);
            case ConvolutionLayer or DepthwiseConv2D:
            {
                // Every output position meets the whole kernel once, padding taps included (the direct algorithm).
                var output = layer.ComputeOutputShape(input);
                return Single(2L * (output.Size / output[-1]) * ((KernelLayer)layer).Kernel.Size);
            }
            case RecurrentLayer recurrent:
            {
                // Each step: the input projection and the recurrent product, for every gate.
                long steps = input[0];
                long fromInput = 2L * steps * recurrent.Kernel.Size;
                return (fromInput + 2L * steps * recurrent.RecurrentKernel.Size, [fromInput]);
            }
            case MultiHeadAttention attention:
                return Attention(attention, inputs);
            case SeparableConv2D or BaseDenseAttention or Bidirectional or TimeDistributed:
                throw new ArgumentException($"TrainingFlops: layer '{layer.Name}' ({layer.ClassName}) is not counted yet.", nameof(layer));
            case Model:
                throw new ArgumentException($"TrainingFlops: layer '{layer.Name}' is a subclassed model, whose calls cannot be read; count a Sequential or functional model.", nameof(layer));
            default:
                return (0, new long[inputs.Length]); // elementwise or data movement: not counted
        }
    }

    /// <summary>
    /// A functional model: each call on the shapes it was called with. Products reading one of the model's inputs count
    /// toward that input; a tensor used twice (self-attention's [x, x]) counts for each use.
    /// </summary>
    private static (long Total, long[] FromInputs) Functional(Model model)
    {
        var fromInputs = new long[model.Inputs.Count];
        long total = 0;
        foreach (var node in model.Nodes)
        {
            var arguments = node.Arguments;
            var shapes = new TensorShape[arguments.Count];
            for (int i = 0; i < shapes.Length; i++) shapes[i] = Known(node.Layer, arguments[i].Shape);
            var count = Forward(node.Layer, shapes);
            total += count.Total;
            for (int i = 0; i < arguments.Count; i++)
            {
                int input = IndexOf(model.Inputs, arguments[i]);
                if (input >= 0) fromInputs[input] += count.FromInputs[i];
            }
        }
        return (total, fromInputs);
    }

    /// <summary>
    /// Keras' MultiHeadAttention on query (Tq steps), value (Tv) and key (Tv steps; the value when not given): the query,
    /// key and value projections to the heads, per head q·kᵀ (Tq × Tv × keyDim) and weights·v (Tq × Tv × valueDim),
    /// and the output projection. The masks and the softmax are elementwise.
    /// </summary>
    private static (long Total, long[] FromInputs) Attention(MultiHeadAttention attention, TensorShape[] inputs)
    {
        long queries = inputs[0][0], values = inputs[1][0];
        long query = 2 * queries * attention.QueryKernel.Size;
        long key = 2 * values * attention.KeyKernel.Size;
        long value = 2 * values * attention.ValueKernel.Size;
        long scores = 2 * attention.NumHeads * queries * values * attention.KeyDim;
        long context = 2 * attention.NumHeads * queries * values * attention.ValueDim;
        long output = 2 * queries * attention.OutputKernel.Size;
        long total = query + key + value + scores + context + output;
        return (total, inputs.Length > 2 ? [query, value, key] : [query, value + key]);
    }

    private static (long Total, long[] FromInputs) Single(long flops) => (flops, [flops]);

    private static TensorShape Known(Layer layer, PartialShape shape) => shape.TryGetTensorShape(out var known)
        ? known
        : throw new ArgumentException($"TrainingFlops: layer '{layer.Name}' was built for {shape}, with dimensions of unknown size; count a model built for known sizes.", nameof(layer));

    private static int IndexOf(IReadOnlyList<SymbolicTensor> inputs, SymbolicTensor tensor)
    {
        for (int i = 0; i < inputs.Count; i++)
            if (ReferenceEquals(inputs[i], tensor)) return i;
        return -1;
    }

    private static long Sum(long[] values)
    {
        long sum = 0;
        foreach (long value in values) sum += value;
        return sum;
    }
}
