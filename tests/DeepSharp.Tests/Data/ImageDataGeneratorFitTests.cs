using System.Text.Json;

namespace DeepSharp.Tests.Data;

/// <summary>
/// datagen.Fit(x) and the feature-wise options against NumPy reference values computed the Keras way
/// (tools/make_image_statistics_fixture.py: per-channel mean and std, ZCA from the SVD of XᵀX / n); and zoomRange
/// given as a two-element collection, as Keras takes a list.
/// </summary>
public class ImageDataGeneratorFitTests
{
    private static readonly JsonElement Fixture = JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "data", "image_statistics.json"))).RootElement.Clone();

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    private static Tensor X => Tensor.FromArray(Floats(Fixture.GetProperty("x").GetProperty("data")),
        Fixture.GetProperty("x").GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray());

    private static float[] FirstBatch(ImageFlow flow)
    {
        foreach (var batch in flow) return batch.X.ToArray();
        throw new InvalidOperationException("the flow gave no batch");
    }

    private static void Close(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"[{i}] expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void Featurewise_center_and_std_match_keras()
    {
        // datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
        // datagen.fit(x); datagen.mean, datagen.std; next(datagen.flow(x, batch_size=3, shuffle=False))
        var datagen = new ImageDataGenerator(featurewiseCenter: true, featurewiseStdNormalization: true);
        datagen.Fit(X);
        var expected = Fixture.GetProperty("featurewise");
        Close(Floats(expected.GetProperty("mean")), [.. datagen.Mean!], 1e-5);
        Close(Floats(expected.GetProperty("std")), [.. datagen.Std!], 1e-5);
        using var flow = datagen.Flow(X, batchSize: 3, shuffle: false, seed: 1);
        var first = FirstBatch(flow);
        Close(Floats(expected.GetProperty("standardized_first_3")), first, 1e-4);
        Close(Floats(expected.GetProperty("standardized_first_3")), datagen.Standardize(X.Slice(0, 0, 3)).ToArray(), 1e-4);
    }

    [Fact]
    public void Zca_whitening_matches_keras()
    {
        // datagen = ImageDataGenerator(zca_whitening=True)     # zca_epsilon=1e-6; turns featurewise_center on, as Keras warns
        // datagen.fit(x); datagen.zca_whitening_matrix; next(datagen.flow(x, batch_size=3, shuffle=False))
        var datagen = new ImageDataGenerator(zcaWhitening: true, featurewiseStdNormalization: true);
        Assert.True(datagen.FeaturewiseCenter);
        Assert.False(datagen.FeaturewiseStdNormalization);   // zca overrides it, as Keras does
        datagen.Fit(X);
        var expected = Fixture.GetProperty("zca");
        Close(Floats(expected.GetProperty("mean")), [.. datagen.Mean!], 1e-5);
        Assert.Null(datagen.Std);
        var matrix = datagen.ZcaWhiteningMatrix!;
        Assert.Equal([18, 18], matrix.Shape.ToArray());
        Close(Floats(expected.GetProperty("matrix")), matrix.ToArray(), 2e-3);
        using var flow = datagen.Flow(X, batchSize: 3, shuffle: false, seed: 1);
        Close(Floats(expected.GetProperty("standardized_first_3")), FirstBatch(flow), 2e-3);
        // Whitened, the training images have (nearly) the identity as covariance.
        var white = datagen.Standardize(X).ToArray();
        for (int i = 0; i < 18; i++)
            for (int j = 0; j < 18; j++)
            {
                double sum = 0;
                for (int s = 0; s < 40; s++) sum += white[s * 18 + i] * white[s * 18 + j];
                Assert.True(Math.Abs(sum / 40 - (i == j ? 1 : 0)) < 1e-2, $"cov[{i},{j}] = {sum / 40}");
            }
    }

    [Fact]
    public void Featurewise_options_need_fit_first_and_the_fitted_image_size()
    {
        var datagen = new ImageDataGenerator(featurewiseCenter: true);
        var e = Assert.Throws<InvalidOperationException>(() => datagen.Flow(X));
        Assert.Contains("call Fit(x)", e.Message);
        datagen.Fit(X);
        var other = Assert.Throws<ArgumentException>(() => datagen.Flow(Tensor.Zeros(2, 4, 4, 2)));
        Assert.Contains("fitted on images of 3×3×2", other.Message);
    }

    [Fact]
    public void Zoom_range_takes_a_two_element_collection()
    {
        // ImageDataGenerator(zoom_range=[0.9, 1.2])   — a list, as well as a tuple or a number
        var fromList = new ImageDataGenerator(zoomRange: [0.9, 1.2]);
        Assert.Equal(new ZoomRange(0.9, 1.2), fromList.ZoomRange);
        double[] array = [0.8, 1.1];
        Assert.Equal(new ZoomRange(0.8, 1.1), new ImageDataGenerator(zoomRange: array).ZoomRange);
        Assert.Equal(new ZoomRange(0.7, 1.0), new ImageDataGenerator(zoomRange: new List<double> { 0.7, 1.0 }).ZoomRange);
        Assert.Equal(new ZoomRange(0.9, 1.2), new ImageDataGenerator(zoomRange: (0.9, 1.2)).ZoomRange);
        Assert.Equal(new ZoomRange(0.9, 1.1), new ImageDataGenerator(zoomRange: 0.1).ZoomRange, new ZoomComparer());
        var e = Assert.Throws<ArgumentException>(() => new ImageDataGenerator(zoomRange: new[] { 0.9, 1.0, 1.2 }));
        Assert.Contains("two numbers", e.Message);
    }

    private sealed class ZoomComparer : IEqualityComparer<ZoomRange>
    {
        public bool Equals(ZoomRange a, ZoomRange b) => Math.Abs(a.Low - b.Low) < 1e-12 && Math.Abs(a.High - b.High) < 1e-12;

        public int GetHashCode(ZoomRange z) => 0;
    }
}
