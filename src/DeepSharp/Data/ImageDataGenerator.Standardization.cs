using DeepSharp.Kernels;

namespace DeepSharp;

public sealed partial class ImageDataGenerator
{
    // Keras' standardize order: rescale (done by the resampling pass), samplewise center and std, featurewise
    // center and std, ZCA whitening. Fit computes the featurewise statistics as Keras' fit does: from x as given
    // (not rescaled), centering before the standard deviation and both before the covariance.

    private const float StdEpsilon = 1e-6f; // Keras adds it to every standard deviation it divides by

    private float[]? _mean;
    private float[]? _std;
    private float[]? _zca;
    private (int Height, int Width, int Channels)? _fitted;

    /// <summary>The per-channel mean found by <see cref="Fit"/> (Keras' <c>datagen.mean</c>), or null.</summary>
    public IReadOnlyList<float>? Mean => _mean;

    /// <summary>The per-channel standard deviation found by <see cref="Fit"/> (Keras' <c>datagen.std</c>), or null.</summary>
    public IReadOnlyList<float>? Std => _std;

    /// <summary>
    /// The ZCA whitening matrix found by <see cref="Fit"/> (Keras' <c>zca_whitening_matrix</c>), [d, d] for images of
    /// d = H·W·C values, applied as flat image · matrix; null before Fit or without <c>zcaWhitening</c>.
    /// </summary>
    public Tensor? ZcaWhiteningMatrix
    {
        get
        {
            if (_zca is null) return null;
            int d = (int)Math.Sqrt(_zca.Length);
            using (TensorScope.Suspend()) return Tensor.FromArray(_zca, d, d);
        }
    }

    /// <summary>Whether Flow and Augment standardize their images (any sample- or feature-wise option is on).</summary>
    internal bool Standardizes => SamplewiseCenter || SamplewiseStdNormalization || FeaturewiseCenter || FeaturewiseStdNormalization || ZcaWhitening;

    /// <summary>
    /// Computes the statistics the feature-wise options need from sample data, as Keras' <c>datagen.fit(x)</c>:
    /// the per-channel mean (over images, rows and columns), the per-channel standard deviation of the centered
    /// data, and for ZCA the covariance Σ = XᵀX / n of the flattened centered images, whose eigenvectors U and
    /// eigenvalues s give the whitening matrix U·diag(1 / √(s + ε))·Uᵀ. Flow, Augment and Standardize then apply them.
    /// </summary>
    /// <param name="x">Images [N, H, W, C], or [N, H, W] for one channel, as they will reach Flow (rescale is not applied here, as in Keras).</param>
    /// <param name="augment">Fit on <paramref name="rounds"/> randomly transformed copies of the data instead.</param>
    /// <param name="rounds">How many augmented copies when <paramref name="augment"/>.</param>
    /// <param name="seed">Seed of the augmentation.</param>
    public void Fit(Tensor x, bool augment = false, int rounds = 1, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        var (count, height, width, channels) = BatchShape(x, "Fit", nameof(x));
        if (rounds < 1) throw new ArgumentOutOfRangeException(nameof(rounds), rounds, "ImageDataGenerator.Fit: rounds must be at least 1.");
        int d = height * width * channels;
        float[] data;
        if (augment)
        {
            var random = new RandomGenerator(seed ?? (long)RandomGenerator.Default.NextUInt64());
            var maps = new AffineMap[count * rounds];
            for (int i = 0; i < maps.Length; i++) maps[i] = GetRandomTransform(height, width, random).ToAffineMap(height, width);
            var copies = Tensor.Uninitialized([count * rounds, height, width, channels]);
            for (int r = 0; r < rounds; r++)
            {
                var round = Resample(x, count, height, width, channels, maps[(r * count)..((r + 1) * count)], scale: 1f);
                round.ToArray().CopyTo(copies.Span.Slice(r * count * d, count * d));
                round.Recycle();
            }
            data = copies.ToArray();
            copies.Recycle();
        }
        else data = x.ToArray();
        int n = data.Length / d;
        _mean = _std = _zca = null;
        if (FeaturewiseCenter)
        {
            _mean = ChannelMoments(data, channels, center: null);
            for (int i = 0; i < data.Length; i++) data[i] -= _mean[i % channels];
        }
        if (FeaturewiseStdNormalization)
        {
            var center = ChannelMoments(data, channels, center: null);
            _std = ChannelMoments(data, channels, center);
            for (int i = 0; i < data.Length; i++) data[i] /= _std[i % channels] + StdEpsilon;
        }
        if (ZcaWhitening) _zca = WhiteningMatrix(data, n, d, ZcaEpsilon);
        _fitted = (height, width, channels);
    }

    /// <summary>
    /// The images standardized as Flow standardizes them, without any random transform (Keras' <c>standardize</c>):
    /// rescale, then the sample-wise and feature-wise options. Use it on validation and test data.
    /// </summary>
    /// <param name="images">[N, H, W, C], or [N, H, W] for one channel.</param>
    /// <returns>A new tensor of the images' shape.</returns>
    public unsafe Tensor Standardize(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var (count, height, width, channels) = BatchShape(images, "Standardize", nameof(images));
        RequireFitted("Standardize");
        CheckFittedShape(images, "Standardize");
        var output = Tensor.FromArray(images.ToArray(), images.Shape.Dims);
        if (ScaleFactor != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(output.Span, ScaleFactor, output.Span);
        StandardizeInPlace(output, count);
        return output;
    }

    /// <summary>Standardizes the first <paramref name="count"/> images of a contiguous batch in place.</summary>
    private unsafe void StandardizeInPlace(Tensor images, int count)
    {
        float[]? scratch = null;
        StandardizeBatch(images.Pointer, count, images.Size / images.Shape[0], ref scratch);
    }

    /// <summary>
    /// Standardizes <paramref name="count"/> images of <paramref name="imageLength"/> values in place; the ZCA product goes
    /// through <paramref name="scratch"/>, allocated on first use (a flow keeps it, so its batches allocate nothing).
    /// </summary>
    internal unsafe void StandardizeBatch(float* images, int count, int imageLength, ref float[]? scratch)
    {
        int channels = _fitted?.Channels ?? 1;
        for (int i = 0; i < count; i++)
        {
            var image = new Span<float>(images + (long)i * imageLength, imageLength);
            if (SamplewiseCenter) System.Numerics.Tensors.TensorPrimitives.Subtract(image, (float)Average(image), image);
            if (SamplewiseStdNormalization)
            {
                double mean = Average(image), sum = 0;
                foreach (float v in image) sum += (v - mean) * (v - mean);
                System.Numerics.Tensors.TensorPrimitives.Divide(image, (float)Math.Sqrt(sum / imageLength) + StdEpsilon, image);
            }
            if (_mean is { } m)
                for (int j = 0; j < imageLength; j++) image[j] -= m[j % channels];
            if (_std is { } s)
                for (int j = 0; j < imageLength; j++) image[j] /= s[j % channels] + StdEpsilon;
        }
        if (_zca is { } w)
        {
            if (scratch is null || scratch.Length < count * imageLength) scratch = new float[count * imageLength];
            fixed (float* matrix = w, product = scratch)
            {
                Gemm.Multiply(false, false, count, imageLength, imageLength, images, imageLength, matrix, imageLength, product, imageLength);
                new ReadOnlySpan<float>(product, count * imageLength).CopyTo(new Span<float>(images, count * imageLength));
            }
        }
    }

    /// <summary>Refuses to standardize with feature-wise options before <see cref="Fit"/> (Keras only warns, then skips them).</summary>
    private void RequireFitted(string operation)
    {
        if ((FeaturewiseCenter || FeaturewiseStdNormalization || ZcaWhitening) && _fitted is null)
            throw new InvalidOperationException(
                $"ImageDataGenerator.{operation}: featurewiseCenter, featurewiseStdNormalization or zcaWhitening needs statistics of the data: " +
                "call Fit(x) on training images first.");
    }

    private void CheckFittedShape(Tensor images, string operation)
    {
        if (_fitted is not { } f || !(FeaturewiseCenter || FeaturewiseStdNormalization || ZcaWhitening)) return;
        var (_, height, width, channels) = BatchShape(images, operation, nameof(images));
        if ((height, width, channels) != f)
            throw new ArgumentException(
                $"ImageDataGenerator.{operation}: the generator was fitted on images of {f.Height}×{f.Width}×{f.Channels} but got {height}×{width}×{channels} (shape {images.Shape}).",
                nameof(images));
    }

    private static double Average(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values) sum += v;
        return sum / values.Length;
    }

    /// <summary>Per channel (the last axis): the mean, or with <paramref name="center"/> the standard deviation around it; in double.</summary>
    private static float[] ChannelMoments(float[] data, int channels, float[]? center)
    {
        var sums = new double[channels];
        for (int i = 0; i < data.Length; i++)
        {
            double v = center is null ? data[i] : data[i] - center[i % channels];
            sums[i % channels] += center is null ? v : v * v;
        }
        double perChannel = data.Length / channels;
        return [.. sums.Select(s => (float)(center is null ? s / perChannel : Math.Sqrt(s / perChannel)))];
    }

    /// <summary>U·diag(1 / √(s + ε))·Uᵀ from the eigen-decomposition of Σ = XᵀX / n (Keras takes the SVD of Σ: the same for a symmetric Σ ≥ 0).</summary>
    private static unsafe float[] WhiteningMatrix(float[] data, int n, int d, double epsilon)
    {
        var sigma = new float[d * d];
        fixed (float* x = data, s = sigma) Gemm.Multiply(true, false, d, d, n, x, d, x, d, s, d);
        var a = new double[d * d];
        for (int i = 0; i < a.Length; i++) a[i] = sigma[i] / (double)n;
        // Exact symmetry for the rotations (the float product may differ in the last bit across the diagonal).
        for (int i = 0; i < d; i++)
            for (int j = i + 1; j < d; j++) a[i * d + j] = a[j * d + i] = 0.5 * (a[i * d + j] + a[j * d + i]);
        var u = new double[d * d];
        SymmetricEigen.Decompose(a, u, d);
        var scale = new double[d];
        for (int k = 0; k < d; k++) scale[k] = 1 / Math.Sqrt(Math.Max(a[k * d + k], 0) + epsilon);
        var w = new float[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
            {
                double sum = 0;
                for (int k = 0; k < d; k++) sum += u[i * d + k] * scale[k] * u[j * d + k];
                w[i * d + j] = (float)sum;
            }
        return w;
    }
}
