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

    /// <summary>
    /// The DCGAN rows' batch of "real" images: pixels uniform in [−1, 1) (the generator's tanh range), batch × 784,
    /// row-major, from one fixed seed so that every GAN row trains on the same batch.
    /// </summary>
    public static float[] GanImages(int batch)
    {
        var random = new Random(11);
        var pixels = new float[batch * 28 * 28];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 2 - 1);
        return pixels;
    }

    /// <summary><see cref="Images"/> as tensors: images (batch, 28, 28) and labels (batch).</summary>
    public static (Tensor X, Tensor Y) Tensors(int batch, int seed)
    {
        var (pixels, labels) = Images(batch, seed);
        return (Tensor.FromArray(pixels, batch, 28, 28), Tensor.FromArray(labels));
    }
}
