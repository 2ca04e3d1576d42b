namespace DeepSharp.Examples;

/// <summary>
/// Judges generated Fashion-MNIST images with a trained classifier: how sure it is of each image's class
/// (mean top-class probability), how the images spread over the classes (a collapsed generator fills few),
/// and the Fréchet distance between the classifier's penultimate features of generated and real images (an
/// FID with the seed CNN in place of Inception). Images are given as the classifier takes them: [N, 28, 28, 1]
/// in [0, 1].
/// </summary>
public sealed class SampleQuality
{
    private const int BatchSize = 500;
    private readonly double[] _realMean;
    private readonly double[] _realCovariance;

    /// <summary>Prepares the measure: computes the feature statistics of <paramref name="realImages"/> once.</summary>
    /// <param name="classifier">A classifier whose last layer gives class probabilities; the layers before it give the features.</param>
    /// <param name="realImages">Real images, [N, 28, 28, 1] in [0, 1] (the test set).</param>
    public SampleQuality(Model classifier, Tensor realImages)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(realImages);
        if (classifier.Layers.Count < 2)
            throw new ArgumentException($"SampleQuality: the classifier '{classifier.Name}' needs a feature layer before its output layer; it has {classifier.Layers.Count} layer(s).", nameof(classifier));
        Classifier = classifier;
        var (features, rows, dims) = Features(realImages);
        FeatureCount = dims;
        (_realMean, _realCovariance) = FrechetDistance.Statistics(features, rows, dims);
    }

    /// <summary>The classifier.</summary>
    public Model Classifier { get; }

    /// <summary>The width of the penultimate features.</summary>
    public int FeatureCount { get; }

    /// <summary>Measures <paramref name="images"/> ([N, 28, 28, 1] in [0, 1], N ≥ 2).</summary>
    public SampleQualityReport Measure(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var layers = Classifier.Layers;
        var (features, rows, dims) = Features(images);
        int classes = 0;
        double confidence = 0;
        int[]? counts = null;
        using (TensorScope.Begin())
        using (Autograd.NoGrad())
        {
            var probabilities = layers[^1].Call(Tensor.FromArray(features, rows, dims), training: false).ToArray();
            classes = probabilities.Length / rows;
            counts = new int[classes];
            for (int r = 0; r < rows; r++)
            {
                int best = 0;
                for (int c = 1; c < classes; c++)
                    if (probabilities[r * classes + c] > probabilities[r * classes + best]) best = c;
                counts[best]++;
                confidence += probabilities[r * classes + best];
            }
        }
        var (mean, covariance) = FrechetDistance.Statistics(features, rows, dims);
        var shares = new double[classes];
        for (int c = 0; c < classes; c++) shares[c] = counts[c] / (double)rows;
        return new SampleQualityReport(rows, confidence / rows, shares, FrechetDistance.Compute(mean, covariance, _realMean, _realCovariance));
    }

    /// <summary>The Fréchet distance of <paramref name="images"/> to the real images, without the class statistics.</summary>
    public double DistanceToReal(Tensor images)
    {
        var (features, rows, dims) = Features(images);
        var (mean, covariance) = FrechetDistance.Statistics(features, rows, dims);
        return FrechetDistance.Compute(mean, covariance, _realMean, _realCovariance);
    }

    /// <summary>The penultimate features of images in batches, as one [rows, dims] array.</summary>
    private (float[] Features, int Rows, int Dims) Features(Tensor images)
    {
        if (images.Rank != 4 || images.Shape[0] < 2)
            throw new ArgumentException($"SampleQuality: images must be a batch of at least 2 images [N, H, W, C]; got shape {images.Shape}.", nameof(images));
        var layers = Classifier.Layers;
        int rows = images.Shape[0];
        float[]? all = null;
        int dims = 0;
        for (int start = 0; start < rows; start += BatchSize)
        {
            int end = Math.Min(rows, start + BatchSize);
            using (TensorScope.Begin())
            using (Autograd.NoGrad())
            {
                var x = images.Slice(0, start, end);
                for (int i = 0; i < layers.Count - 1; i++) x = layers[i].Call(x, training: false);
                if (x.Rank != 2)
                    throw new ArgumentException($"SampleQuality: the classifier's penultimate layer '{layers[^2].Name}' must give feature vectors; it gives shape {x.Shape}.");
                dims = x.Shape[1];
                all ??= new float[rows * dims];
                x.ToArray().CopyTo(all, start * dims);
            }
        }
        return (all!, rows, dims);
    }
}
