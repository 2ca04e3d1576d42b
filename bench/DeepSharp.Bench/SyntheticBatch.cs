namespace DeepSharp.Bench;

/// <summary>A batch of random 28×28 images and class labels, for benchmarks that time single training steps.</summary>
internal static class SyntheticBatch
{
    /// <summary>Pixels uniform in [0, 1) (batch × 784, row-major) and labels 0..9, from <paramref name="seed"/>.</summary>
    public static (float[] Pixels, float[] Labels) Images(int batch, int seed)
    {
        var random = new Random(seed);
        var pixels = new float[batch * 28 * 28];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
        var labels = new float[batch];
        for (int i = 0; i < batch; i++) labels[i] = random.Next(10);
        return (pixels, labels);
    }

    /// <summary><see cref="Images"/> as tensors: images (batch, 28, 28) and labels (batch).</summary>
    public static (Tensor X, Tensor Y) Tensors(int batch, int seed)
    {
        var (pixels, labels) = Images(batch, seed);
        return (Tensor.FromArray(pixels, batch, 28, 28), Tensor.FromArray(labels));
    }
}
