using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Mirrors images at random in training, as Keras' <c>RandomFlip</c>: each image is flipped with probability one half,
/// left to right ("horizontal"), top to bottom ("vertical") or, with the default "horizontal_and_vertical", both ways at
/// once (Keras 3 draws one coin per image for both axes). Images pass unchanged in inference.
/// </summary>
public sealed class RandomFlip : AugmentationLayer
{
    private const string Horizontal = "horizontal", Vertical = "vertical", Both = "horizontal_and_vertical";

    /// <summary>Creates the layer; arguments and defaults as Keras' RandomFlip.</summary>
    /// <param name="mode">"horizontal", "vertical" or "horizontal_and_vertical" (default).</param>
    /// <param name="seed">Seed of the random flips.</param>
    /// <param name="name">Layer name (default "random_flip", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public RandomFlip(string mode = Both, long? seed = null, string? name = null, PartialShape? inputShape = null) : base(seed, name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(mode);
        if (mode is not (Horizontal or Vertical or Both))
            throw new ArgumentException(
                $"RandomFlip: mode must be \"horizontal\", \"vertical\" or \"horizontal_and_vertical\"; got \"{mode}\".", nameof(mode));
        Mode = mode;
    }

    /// <summary>"horizontal", "vertical" or "horizontal_and_vertical".</summary>
    public string Mode { get; }

    private protected override Tensor Augment(Tensor images)
    {
        int n = images.Shape[0];
        var flips = new float[n];
        for (int i = 0; i < n; i++) flips[i] = Random.NextFloat() <= 0.5f ? 1f : 0f;
        var flipped = images;
        if (Mode != Vertical) flipped = Ops.Flip(flipped, 2);
        if (Mode != Horizontal) flipped = Ops.Flip(flipped, 1);
        return Ops.Where(Tensor.FromArray(flips, n, 1, 1, 1), flipped, images);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["seed"] = Seed;
        config["mode"] = Mode;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static RandomFlip FromConfig(JsonObject config)
    {
        var r = Reader(config, nameof(RandomFlip));
        return r.Finish(new RandomFlip(r.Optional("mode", Both), r.Nullable<long>("seed"), r.Name, r.InputShape));
    }
}
