using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// What the random image augmentation layers share, as Keras 3's image preprocessing layers: augmentation inside
/// the model, applied to channels-last images (batch, height, width, channels) in training only (inside <c>Fit</c>),
/// the images passing unchanged in inference; a seed for reproducible draws; the output shape of the input.
/// </summary>
public abstract class AugmentationLayer : Layer
{
    private readonly RandomGenerator _random;

    private protected AugmentationLayer(long? seed, string? name, PartialShape? inputShape) : base(name, inputShape)
    {
        Seed = seed;
        _random = seed is { } s ? new RandomGenerator(s) : RandomGenerator.Default.Fork();
    }

    /// <summary>The seed of the random draws, if given.</summary>
    public long? Seed { get; }

    /// <summary>The layer's own random stream.</summary>
    private protected RandomGenerator Random => _random;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    internal override bool IsIdentityAtInference => true;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => training ? Augment(inputs) : inputs;

    /// <summary>A random augmentation of a batch of images, one draw per image.</summary>
    private protected abstract Tensor Augment(Tensor images);

    /// <summary>A number uniformly in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    private protected double Uniform(double low, double high) => low + (high - low) * _random.NextDouble();

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["data_format"] = "channels_last";
        return config;
    }

    /// <summary>The reader of an augmentation layer's saved configuration (channels-last only).</summary>
    private protected static ConfigReader Reader(JsonObject config, string owner) => LayerConfigReader.ImageLayer(config, owner);
}
