namespace DeepSharp.Examples;

/// <summary>
/// The floating-point operations of a training step as the benchmarks count them, from a built model's layer shapes:
/// direct-algorithm FLOPs, two per multiply-add of the layers' products (dense, convolution, transposed convolution,
/// recurrent input and recurrent products), nothing for elementwise work (activations, pooling, normalization, the
/// loss, the optimizer). A faster algorithm (Winograd) still counts the direct FLOPs, so an algorithmic gain shows as
/// more than 100% of the machine's peak.
/// </summary>
/// <remarks>
/// A product's backward pass costs twice its forward pass (the weight gradient and the input gradient), except that
/// the model's first layer computes no gradient of its input (the data): a step is 3 × forward, less the first
/// layer's input product once. For a recurrent first layer only the input projection goes: the recurrent product's
/// gradient still flows back through time. (With a Flatten first, as the seed MLP, the first Dense layer's input
/// gradient is counted.)
/// </remarks>
public static class TrainingFlops
{
    /// <summary>Forward FLOPs of one sample through the built model <paramref name="model"/>.</summary>
    public static long ForwardPerSample(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        long total = 0;
        foreach (var layer in Built(model).Layers) total += Forward(layer).Total;
        return total;
    }

    /// <summary>FLOPs of one sample's share of a training step (forward, weight and input gradients) of <paramref name="model"/>.</summary>
    public static long StepPerSample(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = Built(model).Layers;
        long forward = 0;
        foreach (var layer in layers) forward += Forward(layer).Total;
        return 3 * forward - (layers.Count > 0 ? Forward(layers[0]).FromInput : 0);
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
        long g = ForwardPerSample(generator), d = ForwardPerSample(discriminator);
        long gFirst = Forward(generator.Layers[0]).FromInput, dFirst = Forward(discriminator.Layers[0]).FromInput;
        long perGenerated = g + (2 * g - gFirst) + 2 * d; // forward; weight and input gradients; the pass through D and back
        long perDiscriminated = 3 * d - dFirst;           // each real and each generated image of the discriminator's step
        return batch * perGenerated + 2L * batch * perDiscriminated;
    }

    private static Sequential Built(Sequential model) =>
        model.IsBuilt ? model : throw new ArgumentException($"TrainingFlops: model '{model.Name}' is not built; build it (call it once, or give its first layer an input shape).", nameof(model));

    /// <summary>
    /// A layer's forward FLOPs per sample: <c>FromInput</c> of the products whose input gradient is the gradient of the
    /// layer's input, <c>Total</c> of all.
    /// </summary>
    private static (long Total, long FromInput) Forward(Layer layer)
    {
        var built = layer.InputShape ?? throw new ArgumentException($"TrainingFlops: layer '{layer.Name}' is not built.", nameof(layer));
        if (!built.TryGetTensorShape(out var input))
            throw new ArgumentException($"TrainingFlops: layer '{layer.Name}' was built for {built}, with dimensions of unknown size; count a model built for known sizes.", nameof(layer));
        switch (layer)
        {
            case Sequential nested:
            {
                long total = 0;
                foreach (var inner in nested.Layers) total += Forward(inner).Total;
                return (total, nested.Layers.Count > 0 ? Forward(nested.Layers[0]).FromInput : 0);
            }
            case Dense dense:
            {
                long flops = 2L * (input.Size / input[-1]) * dense.Kernel.Size;
                return (flops, flops);
            }
            case Conv2DTranspose transposed:
            {
                // Every input pixel meets the whole kernel once (a scatter into the output).
                long flops = 2L * input[0] * input[1] * transposed.Kernel.Size;
                return (flops, flops);
            }
            case ConvolutionLayer or DepthwiseConv2D:
            {
                // Every output position meets the whole kernel once, padding taps included (the direct algorithm).
                var output = layer.ComputeOutputShape(input);
                long flops = 2L * (output.Size / output[-1]) * ((KernelLayer)layer).Kernel.Size;
                return (flops, flops);
            }
            case RecurrentLayer recurrent:
            {
                // Each step: the input projection and the recurrent product, for every gate.
                long steps = input[0];
                long fromInput = 2L * steps * recurrent.Kernel.Size;
                return (fromInput + 2L * steps * recurrent.RecurrentKernel.Size, fromInput);
            }
            case SeparableConv2D or MultiHeadAttention or BaseDenseAttention or Bidirectional or TimeDistributed:
                throw new ArgumentException($"TrainingFlops: layer '{layer.Name}' ({layer.ClassName}) is not counted yet.", nameof(layer));
            default:
                return (0, 0); // elementwise or data movement: not counted
        }
    }
}
