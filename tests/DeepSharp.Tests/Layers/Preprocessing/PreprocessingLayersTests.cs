using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Layers;

using Ops = global::DeepSharp.Ops;

/// <summary>Rescaling, Normalization, Resizing and CenterCrop: the same in training and inference.</summary>
public class PreprocessingLayersTests
{
    private static JsonObject Config(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public void Rescaling_scales_and_shifts()
    {
        var layer = new Rescaling(1 / 127.5, offset: -1);
        var x = Tensor.FromArray([0f, 127.5f, 255f], 1, 3);
        DeepSharp.Tests.Ops.OpAssert.Close(new[] { -1f, 0f, 1f }, layer.Call(x, training: true).ToArray(), 1e-6, 1e-6);
        Assert.Equal(new TensorShape(5, 5, 3), layer.ComputeOutputShape([5, 5, 3]));
        var copy = LayerRoundTrip.Of(layer);
        Assert.Equal((1 / 127.5, -1.0), (copy.Scale, copy.Offset));
        Assert.Equal(0.0, Rescaling.FromConfig(Config("""{"name": "r", "scale": 0.5}""")).Offset);
        Assert.Contains("per-channel", Assert.Throws<FormatException>(() => Rescaling.FromConfig(Config("""{"name": "r", "scale": [1, 2]}"""))).Message);
        Assert.Contains("scale", Assert.Throws<ArgumentOutOfRangeException>(() => new Rescaling(double.NaN)).Message);
    }

    [Fact]
    public void Normalization_adapts_mean_and_variance_per_feature()
    {
        var data = Tensor.FromArray([1f, 10f, 3f, 20f, 5f, 60f, 7f, 30f], 4, 2);
        var layer = new Normalization();
        layer.Adapt(data);
        Assert.Equal(new[] { 4f, 30f }, layer.Mean!.ToArray());
        Assert.Equal(new[] { 5f, 350f }, layer.Variance!.ToArray()); // biased, as NumPy's var
        Assert.Equal(["mean", "variance", "count"], layer.Weights.Select(w => w.Name!.Split('/')[1]));
        var y = layer.Call(data).ToArray();
        DeepSharp.Tests.Ops.OpAssert.Close(new[] { -3 / MathF.Sqrt(5), -20 / MathF.Sqrt(350) }, y[..2], 1e-5, 1e-6);

        // Batches are merged as Keras merges them: the result is that of the whole data.
        var batched = new Normalization();
        batched.Adapt([Ops.Slice(data, 0, 0, 1), Ops.Slice(data, 0, 1, 4)]);
        DeepSharp.Tests.Ops.OpAssert.Close(layer.Mean.ToArray(), batched.Mean!.ToArray(), 1e-6, 1e-6);
        DeepSharp.Tests.Ops.OpAssert.Close(layer.Variance.ToArray(), batched.Variance!.ToArray(), 1e-5, 1e-5);

        var inverse = new Normalization(mean: [4f, 30f], variance: [5f, 350f], invert: true);
        DeepSharp.Tests.Ops.OpAssert.Close(data.ToArray(), inverse.Call(layer.Call(data)).ToArray(), 1e-5, 1e-5);
        Assert.Empty(inverse.Weights);
    }

    [Fact]
    public void Normalization_keeps_statistics_along_the_axes_asked()
    {
        var images = Tensor.RandomNormal([6, 3, 4, 2], generator: new RandomGenerator(1)) * 3f + 1f;
        var perChannel = new Normalization();
        perChannel.Adapt(images);
        Assert.Equal(new TensorShape(2), perChannel.Mean!.Shape);
        var values = images.ToArray();
        double mean0 = Enumerable.Range(0, values.Length / 2).Average(i => values[2 * i]);
        Assert.Equal(mean0, perChannel.Mean.ToArray()[0], 4);
        var output = perChannel.Call(images);
        DeepSharp.Tests.Ops.OpAssert.Close(new[] { 0f, 0f }, Ops.Mean(output, [0, 1, 2]).ToArray(), 1e-5, 1e-5);

        var perRowAndChannel = new Normalization([1, -1]);
        perRowAndChannel.Adapt(images);
        Assert.Equal(new TensorShape(3, 2), perRowAndChannel.Mean!.Shape);
        var overall = new Normalization(Array.Empty<int>());
        overall.Adapt(images);
        Assert.Equal(new TensorShape(), overall.Mean!.Shape);
        Assert.Equal(values.Average(v => (double)v), overall.Mean.ToArray()[0], 4);
    }

    [Fact]
    public void Normalization_configuration_matches_keras_and_adapted_weights_are_saved()
    {
        var given = new Normalization(mean: [2f], variance: [4f], name: "n");
        var config = given.GetConfig();
        Assert.Equal("[-1]", config["axis"]!.ToJsonString());
        Assert.Equal("2", config["mean"]!.ToJsonString());
        DeepSharp.Tests.Ops.OpAssert.Close(new[] { 0f, 0.5f }, LayerRoundTrip.Of(given).Call(Tensor.FromArray([2f, 3f], 1, 2)).ToArray());
        var keras = Normalization.FromConfig(Config("""{"name": "k", "axis": [-1], "invert": false, "mean": null, "variance": null}"""));
        Assert.Equal([-1], keras.Axis);

        var data = Tensor.RandomNormal([20, 3], generator: new RandomGenerator(2)) * 2f + 5f;
        var layer = new Normalization(inputShape: [3]);
        layer.Adapt(data);
        var model = new Sequential(layer, new Dense(2));
        var loaded = LayerRoundTrip.Saved(model, data);
        Assert.Equal(layer.Mean!.ToArray(), ((Normalization)loaded.Layers[0]).Mean!.ToArray());
    }

    [Fact]
    public void Normalization_refuses_bad_arguments_naming_them()
    {
        Assert.Contains("together", Assert.Throws<ArgumentException>(() => new Normalization(mean: [1f])).Message);
        Assert.Contains("same length", Assert.Throws<ArgumentException>(() => new Normalization(mean: [1f, 2f], variance: [1f])).Message);
        Assert.Contains("[-1]", Assert.Throws<ArgumentOutOfRangeException>(() => new Normalization(mean: [1f], variance: [-1f])).Message);
        var e1 = Assert.Throws<ArgumentException>(() => new Normalization(axis: 0, name: "n0").Call(Tensor.Ones(2, 3)));
        Assert.Contains("'n0'", e1.Message);
        Assert.Contains("axis 0", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => new Normalization(mean: [1f, 2f, 3f], variance: [1f, 1f, 1f], name: "n3").Call(Tensor.Ones(2, 2)));
        Assert.Contains("need 1 or 2", e2.Message);
        var adapted = new Normalization();
        adapted.Adapt(Tensor.Ones(4, 3));
        Assert.Contains("(4)", Assert.Throws<ArgumentException>(() => adapted.Adapt(Tensor.Ones(4, 4))).Message);
        Assert.Throws<InvalidOperationException>(() => new Normalization(mean: [1f], variance: [1f]).Adapt(Tensor.Ones(2, 2)));
    }

    [Fact]
    public void Resizing_resizes_and_crops_or_pads_to_the_aspect_ratio()
    {
        var images = Tensor.RandomNormal([2, 4, 8, 3], generator: new RandomGenerator(3));
        var plain = new Resizing(3, 5);
        Assert.Equal(Ops.Resize(images, 3, 5).ToArray(), plain.Call(images).ToArray());
        Assert.Equal(Ops.Resize(images, 3, 5, "nearest").ToArray(), new Resizing(3, 5, interpolation: "nearest").Call(images, training: true).ToArray());
        // A 4×8 image to 2×2: the centred 4×4 window, then resized.
        var cropped = new Resizing(2, 2, cropToAspectRatio: true).Call(images).ToArray();
        Assert.Equal(Ops.Resize(Ops.Slice(images, 2, 2, 6), 2, 2).ToArray(), cropped);
        // Padded to 8×8 (two rows of fill above and below), then resized.
        var padded = new Resizing(4, 4, padToAspectRatio: true, fillValue: 7).Call(images).ToArray();
        Assert.Equal(Ops.Resize(Ops.Pad(images, [(0, 0), (2, 2), (0, 0), (0, 0)], 7f), 4, 4).ToArray(), padded);
        Assert.Equal(new TensorShape(3, 5, 3), plain.ComputeOutputShape([4, 8, 3]));
        var copy = LayerRoundTrip.Of(new Resizing(2, 3, "nearest", cropToAspectRatio: true));
        Assert.Equal((2, 3, "nearest", true), (copy.Height, copy.Width, copy.Interpolation, copy.CropToAspectRatio));
        Assert.Contains("bicubic", Assert.Throws<ArgumentException>(() => new Resizing(2, 2, "bicubic")).Message);
        Assert.Contains("antialias", Assert.Throws<ArgumentException>(() => new Resizing(2, 2, antialias: true)).Message);
        Assert.Contains("only one", Assert.Throws<ArgumentException>(() => new Resizing(2, 2, cropToAspectRatio: true, padToAspectRatio: true)).Message);
        Assert.Contains("(0, 2)", Assert.Throws<ArgumentOutOfRangeException>(() => new Resizing(0, 2)).Message);
        var input = Tensor.RandomNormal([1, 4, 6, 1], generator: new RandomGenerator(4)).WithRequiresGrad();
        var layer = new Resizing(3, 3, cropToAspectRatio: true);
        Assert.True(GradientChecker.Check(t => layer.Call(t[0]), [input]).Passed);
    }

    [Fact]
    public void CenterCrop_crops_the_centre_or_resizes_smaller_images()
    {
        var images = Tensor.Arange(2 * 5 * 6).Reshape(2, 5, 6, 1);
        var crop = new CenterCrop(3, 2).Call(images).ToArray();
        Assert.Equal(new[] { 8f, 9f, 14f, 15f, 20f, 21f }, crop[..6]);
        // Smaller than the target in height: the centred window of the target's aspect ratio (5×5), resized up.
        var small = new CenterCrop(10, 10).Call(images);
        Assert.Equal(new TensorShape(2, 10, 10, 1), small.Shape);
        Assert.Equal(Ops.Resize(Ops.Slice(images, 2, 0, 5), 10, 10).ToArray(), small.ToArray());
        var copy = LayerRoundTrip.Of(new CenterCrop(7, 9));
        Assert.Equal((7, 9), (copy.Height, copy.Width));
        Assert.Contains("(3, 0)", Assert.Throws<ArgumentOutOfRangeException>(() => new CenterCrop(3, 0)).Message);
        Assert.Contains("rank 4", Assert.Throws<ArgumentException>(() => new CenterCrop(2, 2).Call(Tensor.Ones(2, 5, 5))).Message);
    }
}
