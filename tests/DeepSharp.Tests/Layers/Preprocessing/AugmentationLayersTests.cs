using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Layers;

using Ops = global::DeepSharp.Ops;

/// <summary>RandomFlip, RandomRotation, RandomTranslation, RandomZoom and RandomContrast: random in training, the identity in inference.</summary>
public class AugmentationLayersTests
{
    private static JsonObject Config(string json) => (JsonObject)JsonNode.Parse(json)!;

    private static Tensor Images(int seed, int batch = 8) => Tensor.RandomUniform([batch, 5, 6, 2], 0f, 255f, new RandomGenerator(seed));

    public static TheoryData<string> Layers => new() { "flip", "rotation", "translation", "zoom", "contrast" };

    private static AugmentationLayer Create(string kind, long seed) => kind switch
    {
        "flip" => new RandomFlip(seed: seed),
        "rotation" => new RandomRotation(0.2, seed: seed),
        "translation" => new RandomTranslation(0.2, (-0.3, 0.1), seed: seed),
        "zoom" => new RandomZoom(0.3, seed: seed),
        _ => new RandomContrast(0.4, seed: seed),
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void Images_pass_unchanged_in_inference_and_change_in_training_reproducibly(string kind)
    {
        var x = Images(1);
        Assert.Equal(x.ToArray(), Create(kind, 3).Call(x).ToArray());
        var first = Create(kind, 3).Call(x, training: true).ToArray();
        Assert.NotEqual(x.ToArray(), first);
        Assert.Equal(first, Create(kind, 3).Call(x, training: true).ToArray());
        var layer = Create(kind, 3);
        Assert.NotEqual(layer.Call(x, training: true).ToArray(), layer.Call(x, training: true).ToArray()); // a new draw each call
        Assert.NotEqual(first, Create(kind, 4).Call(x, training: true).ToArray());
        var saved = new JsonObject { ["class_name"] = layer.ClassName, ["config"] = layer.GetConfig() };
        var copy = Assert.IsAssignableFrom<AugmentationLayer>(LayerRegistry.Create(Config(saved.ToJsonString())));
        Assert.Equal(layer.GetType(), copy.GetType());
        Assert.Equal(layer.GetConfig().ToJsonString(), copy.GetConfig().ToJsonString());
        Assert.Equal(3L, copy.Seed);
        Assert.Equal(x.Shape, copy.Call(x, training: true).Shape);
        var e = Assert.Throws<ArgumentException>(() => Create(kind, 1).Call(Tensor.Ones(2, 4, 4)));
        Assert.Contains("rank 4", e.Message);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void Gradients_check_through_a_fixed_draw(string kind)
    {
        // Every augmentation is linear in the pixels for a given draw (no clipping in [0, 255]).
        var x = Tensor.RandomUniform([2, 4, 5, 2], 0.1f, 0.9f, new RandomGenerator(2)).WithRequiresGrad();
        var result = GradientChecker.Check(t => Create(kind, 7).Call(t[0], training: true), [x]);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void RandomFlip_mirrors_whole_images_as_keras_3()
    {
        var x = Images(5, batch: 32);
        var y = new RandomFlip("horizontal", seed: 1).Call(x, training: true);
        var mirrored = Ops.Flip(x, 2);
        int flipped = 0;
        for (int i = 0; i < 32; i++)
        {
            var image = Ops.Slice(y, 0, i, i + 1).ToArray();
            if (image.SequenceEqual(Ops.Slice(mirrored, 0, i, i + 1).ToArray())) flipped++;
            else Assert.Equal(Ops.Slice(x, 0, i, i + 1).ToArray(), image);
        }
        Assert.InRange(flipped, 6, 26);
        // Both ways at once: one coin per image, so an image is turned half a turn or left alone.
        var both = new RandomFlip(seed: 2).Call(x, training: true);
        var half = Ops.Flip(Ops.Flip(x, 2), 1);
        for (int i = 0; i < 32; i++)
        {
            var image = Ops.Slice(both, 0, i, i + 1).ToArray();
            Assert.True(image.SequenceEqual(Ops.Slice(half, 0, i, i + 1).ToArray()) || image.SequenceEqual(Ops.Slice(x, 0, i, i + 1).ToArray()));
        }
        Assert.Contains("\"diagonal\"", Assert.Throws<ArgumentException>(() => new RandomFlip("diagonal")).Message);
        Assert.Equal("vertical", LayerRoundTrip.Of(new RandomFlip("vertical")).Mode);
    }

    [Fact]
    public void Geometric_layers_move_pixels_as_keras_maps_say()
    {
        var x = Tensor.Arange(2 * 4 * 4).Reshape(2, 4, 4, 1);
        // A quarter turn (factor 0.25 both ways): NumPy's rot90, counter-clockwise.
        var turned = new RandomRotation((0.25, 0.25), fillMode: "constant").Call(x, training: true).ToArray();
        var rot = new float[8];
        RandomRotation.Rotation(90, 4, 4, rot);
        DeepSharp.Tests.Ops.OpAssert.Close(Ops.AffineTransform(x, Tensor.FromArray(rot, 8), "bilinear", "constant").ToArray(), turned, 1e-6, 1e-6);
        Assert.Equal(x.ToArray(), new RandomRotation(0.0).Call(x, training: true).ToArray());
        // Half the width to the right (factor 0.5 both ways: 2 columns), reflected in from the left edge.
        var shifted = new RandomTranslation(0.0, (0.5, 0.5)).Call(x, training: true).ToArray();
        Assert.Equal(new[] { 1f, 0f, 0f, 1f, 5f, 4f, 4f, 5f }, shifted[..8]);
        // Zoom factor 1 (1 + 0): the identity; 2 (1 + 1) reads twice the area about the centre.
        Assert.Equal(x.ToArray(), new RandomZoom(0.0).Call(x, training: true).ToArray());
        var zoom = new float[8];
        RandomZoom.Zoom(2, 2, 4, 4, zoom);
        Assert.Equal(Ops.AffineTransform(x, Tensor.FromArray(zoom, 8), "bilinear", "reflect").ToArray(),
            new RandomZoom((1.0, 1.0)).Call(x, training: true).ToArray());
    }

    [Fact]
    public void RandomContrast_scales_each_image_about_its_channel_means_and_clips()
    {
        var x = Images(6);
        var y = new RandomContrast((0.5, 0.5), valueRange: (-1e9, 1e9), seed: 3).Call(x, training: true);
        var mean = Ops.Mean(x, [1, 2], keepDims: true);
        var (offsets, moved) = ((x - mean).ToArray(), (y - mean).ToArray());
        for (int i = 0; i < 8; i++)
        {
            // One factor per image: every pixel and channel moved away from its channel mean by the same ratio.
            int far = Enumerable.Range(i * 60, 60).MaxBy(j => Math.Abs(offsets[j]));
            float factor = moved[far] / offsets[far];
            Assert.InRange(factor, 0.5f, 1.5f);
            for (int j = i * 60; j < i * 60 + 60; j++) Assert.Equal(factor * offsets[j], moved[j], 2);
        }
        var clipped = new RandomContrast(1.0, seed: 4).Call(Images(7) * 4f, training: true).ToArray();
        Assert.All(clipped, v => Assert.InRange(v, 0f, 255f));
        var layer = new RandomContrast(0.3, valueRange: (0, 1));
        var config = layer.GetConfig();
        Assert.Equal("[0.3,0.3]", config["factor"]!.ToJsonString());
        Assert.Equal("[0,1]", config["value_range"]!.ToJsonString());
        var keras = RandomContrast.FromConfig(Config("""{"name": "c", "factor": [0.0, 0.2], "value_range": [0, 255], "seed": null}"""));
        Assert.Equal((0.0, 0.2), (keras.Lower, keras.Upper));
        Assert.Contains("[0, 1]", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomContrast(1.5)).Message);
        Assert.Contains("valueRange", Assert.Throws<ArgumentException>(() => new RandomContrast(0.1, valueRange: (1, 0))).Message);
    }

    [Fact]
    public void Configurations_match_keras_and_bad_arguments_are_refused()
    {
        var rotation = new RandomRotation(0.1, fillMode: "constant", fillValue: 3, interpolation: "nearest", seed: 9, name: "rot");
        var config = rotation.GetConfig();
        Assert.Equal("[-0.1,0.1]", config["factor"]!.ToJsonString());
        Assert.Equal(("constant", 3.0, "nearest", 9L), (config["fill_mode"]!.GetValue<string>(), config["fill_value"]!.GetValue<double>(),
            config["interpolation"]!.GetValue<string>(), config["seed"]!.GetValue<long>()));
        Assert.Equal("channels_last", config["data_format"]!.GetValue<string>());
        Assert.Equal((-0.1, 0.1), (LayerRoundTrip.Of(rotation).Factor.Lower, LayerRoundTrip.Of(rotation).Factor.Upper));
        var translation = new RandomTranslation(0.2, (-0.1, 0.3));
        Assert.Equal(("0.2", "[-0.1,0.3]"), (translation.GetConfig()["height_factor"]!.ToJsonString(), translation.GetConfig()["width_factor"]!.ToJsonString()));
        Assert.Equal("[-0.1,0.3]", LayerRoundTrip.Of(translation).GetConfig()["width_factor"]!.ToJsonString());
        var zoom = LayerRoundTrip.Of(new RandomZoom((-0.2, 0.1)));
        Assert.Null(zoom.WidthFactor);
        Assert.Null(zoom.GetConfig()["width_factor"]);
        Assert.Equal("reflect", RandomZoom.FromConfig(Config("""{"name": "z", "height_factor": 0.2}""")).FillMode);
        Assert.Contains("[-1, 1]", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomRotation(1.5)).Message);
        Assert.Contains("(-1, 1]", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomZoom((-1.0, 0.5))).Message);
        Assert.Contains("widthFactor", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomTranslation(0.1, 2.0)).Message);
        Assert.Contains("\"mirror\"", Assert.Throws<ArgumentException>(() => new RandomRotation(0.1, fillMode: "mirror")).Message);
        Assert.Contains("\"bicubic\"", Assert.Throws<ArgumentException>(() => new RandomZoom(0.1, interpolation: "bicubic")).Message);
    }

    [Fact]
    public void A_model_augments_in_fit_only_trains_and_saves()
    {
        // Seeded weights: about one start in thirty leaves every ReLU filter dead and the model at chance.
        RandomGenerator.SetSeed(8);
        var model = new Sequential(
            new RandomFlip("horizontal", seed: 1, inputShape: [8, 8, 1]),
            new RandomRotation(0.05, seed: 2),
            new RandomTranslation(0.1, 0.1, seed: 3),
            new RandomZoom(0.1, seed: 4),
            new RandomContrast(0.2, seed: 5),
            new Rescaling(1 / 255.0),
            new Conv2D(8, 3, activation: "relu"),
            new GlobalAveragePooling2D(),
            new Dense(2, activation: "softmax"));
        var random = new RandomGenerator(6);
        var x = Tensor.RandomUniform([64, 8, 8, 1], 0f, 255f, random);
        var labels = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => (float)(i % 2)).ToArray(), 64);
        // Class 1 images are brighter: a signal the augmentations keep.
        x = x * Tensor.FromArray(Enumerable.Range(0, 64).Select(i => i % 2 == 1 ? 1f : 0.3f).ToArray(), 64, 1, 1, 1);
        model.Compile(new Adam(learningRate: 0.01f), "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        Assert.Equal(model.Predict(x).ToArray(), model.Predict(x).ToArray());
        model.Fit(x, labels, batchSize: 16, epochs: 15, verbose: 0, seed: 7);
        Assert.True(model.Evaluate(x, labels, verbose: 0)["accuracy"] > 0.9);
        LayerRoundTrip.Saved(model, x);
    }
}
