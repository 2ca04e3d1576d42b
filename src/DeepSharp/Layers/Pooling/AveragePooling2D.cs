using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Average pooling over channels-last images, as Keras' <c>AveragePooling2D</c>: the mean of each window, per
/// channel. With "same" padding a window at the border averages only the pixels inside the image (as
/// Keras/TensorFlow; PyTorch's default counts the padding).
/// </summary>
public sealed class AveragePooling2D : Layer
{
    private readonly Pooling2DArguments _arguments;

    /// <summary>Creates the layer; arguments and defaults as Keras' AveragePooling2D.</summary>
    /// <param name="poolSize">Window size: one integer for a square window, or (height, width); 2 by default.</param>
    /// <param name="strides">Step between windows; the pool size by default.</param>
    /// <param name="padding">"valid" or "same".</param>
    /// <param name="name">Layer name (default "average_pooling2d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public AveragePooling2D(Size2D? poolSize = null, Size2D? strides = null, string padding = "valid", string? name = null, TensorShape? inputShape = null)
        : base(name, inputShape) => _arguments = new Pooling2DArguments("AveragePooling2D", poolSize, strides, padding);

    /// <summary>Window size (height, width).</summary>
    public Size2D PoolSize => _arguments.PoolSize;

    /// <summary>Step between windows.</summary>
    public Size2D Strides => _arguments.Strides;

    /// <summary>"valid" or "same".</summary>
    public string Padding => _arguments.Padding;

    /// <inheritdoc/>
    protected override string DefaultName => "average_pooling2d";

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) => _arguments.OutputShape(this, inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        Ops.AveragePool2D(inputs, PoolSize, Strides, _arguments.Same, _arguments.Label(this));

    /// <inheritdoc/>
    public override JsonObject GetConfig() => _arguments.AddTo(base.GetConfig());
}
