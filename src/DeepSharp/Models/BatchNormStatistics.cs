namespace DeepSharp;

/// <summary>
/// Recomputes the moving statistics of a model's <see cref="BatchNormalization"/> layers from data, after training:
/// PyTorch's <c>torch.optim.swa_utils.update_bn</c> ("precise BN"), but exact rather than a running average.
/// </summary>
/// <remarks>
/// The moving statistics a layer keeps while training describe the batches it was trained on. When those differ from
/// what the model will see (augmented training images against plain test images, or weights averaged after training),
/// the statistics of the plain data serve it better. Recomputing them changes no learned weight.
/// </remarks>
public static class BatchNormStatistics
{
    /// <summary>
    /// Sets the moving mean and variance of each batch normalization layer of <paramref name="model"/>, in order, to the
    /// mean and (biased, as the layer's own update) variance of its inputs over all of <paramref name="x"/>, the layers
    /// before it running in inference mode with their statistics already recomputed. Returns the number of layers
    /// updated (0 for a model without batch normalization, which is left as it was).
    /// </summary>
    /// <param name="model">A sequential model whose batch normalization layers normalize the last axis; built from <paramref name="x"/> if it is not yet.</param>
    /// <param name="x">The inputs, as the model takes them: [samples, ...], at least one sample.</param>
    /// <param name="batchSize">Inputs per forward pass (the result does not depend on it beyond rounding).</param>
    public static int UpdateBatchNormStatistics(this Sequential model, Tensor x, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"UpdateBatchNormStatistics: batchSize must be at least 1; got {batchSize}.");
        if (x.Rank < 2 || x.Shape[0] == 0)
            throw new ArgumentException($"UpdateBatchNormStatistics: x must be a batch of at least one sample, [samples, ...]; got shape {x.Shape}.", nameof(x));
        model.EnsureBuilt(new TensorShape(x.Shape.Dims[1..]));
        var layers = model.Layers;
        // Every layer is checked before any is changed, so a refused model is left as it was.
        foreach (var layer in layers)
            if (layer is BatchNormalization bn && bn.Axis != -1 && !(bn.InputShape is { } shape && bn.Axis == shape.Rank))
                throw new ArgumentException(
                    $"UpdateBatchNormStatistics: layer '{bn.Name}' normalizes axis {bn.Axis}; only the last axis (-1) is supported.", nameof(model));

        int updated = 0;
        for (int k = 0; k < layers.Count; k++)
        {
            if (layers[k] is not BatchNormalization bn) continue;
            Update(bn, layers, k, x, batchSize);
            updated++;
        }
        return updated;
    }

    /// <summary>Sets the statistics of <paramref name="bn"/>, the layer at <paramref name="index"/>, from what the layers before it make of <paramref name="x"/>.</summary>
    private static void Update(BatchNormalization bn, IReadOnlyList<Layer> layers, int index, Tensor x, int batchSize)
    {
        int channels = bn.MovingMean.Shape[0];
        // Per batch: the mean m and variance v around it; over all, E[x] = Σ n·m / N and
        // Var[x] = Σ n·(v + m²) / N − E[x]², accumulated in double.
        var sum = new double[channels];
        var sumSquares = new double[channels];
        long count = 0;
        int samples = x.Shape[0];
        for (int start = 0; start < samples; start += batchSize)
        {
            int end = Math.Min(samples, start + batchSize);
            using var scope = TensorScope.Begin();
            using var noGrad = Autograd.NoGrad();
            var h = Ops.Slice(x, 0, start, end);
            for (int j = 0; j < index; j++) h = layers[j].Call(h, training: false);
            var values = Ops.Reshape(h, -1, channels);
            var mean = Ops.Mean(values, 0);
            var variance = Ops.Mean(Ops.Square(values - mean), 0);
            var m = mean.ToArray();
            var v = variance.ToArray();
            long n = values.Shape[0];
            for (int c = 0; c < channels; c++)
            {
                sum[c] += n * (double)m[c];
                sumSquares[c] += n * ((double)v[c] + (double)m[c] * m[c]);
            }
            count += n;
        }
        var newMean = new float[channels];
        var newVariance = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double mu = sum[c] / count;
            newMean[c] = (float)mu;
            newVariance[c] = (float)Math.Max(0, sumSquares[c] / count - mu * mu);
        }
        bn.MovingMean.CopyFrom(newMean);
        bn.MovingVariance.CopyFrom(newVariance);
    }
}
