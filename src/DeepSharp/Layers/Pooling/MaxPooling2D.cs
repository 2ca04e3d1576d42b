using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Max pooling over channels-last images, as Keras' <c>MaxPooling2D</c>: the largest value of each window,
/// per channel. Backward sends each window's gradient to the element that was its maximum.
/// </summary>
public sealed class MaxPooling2D : Layer
{
    private readonly Pooling2DArguments _arguments;

    /// <summary>Creates the layer; arguments and defaults as Keras' MaxPooling2D.</summary>
    /// <param name="poolSize">Window size: one integer for a square window, or (height, width); 2 by default.</param>
    /// <param name="strides">Step between windows; the pool size by default.</param>
    /// <param name="padding">"valid" or "same" (padding is never the maximum).</param>
    /// <param name="name">Layer name (default "max_pooling2d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public MaxPooling2D(Size2D? poolSize = null, Size2D? strides = null, string padding = "valid", string? name = null, TensorShape? inputShape = null)
        : base(name, inputShape) => _arguments = new Pooling2DArguments("MaxPooling2D", poolSize, strides, padding);

    /// <summary>Window size (height, width).</summary>
    public Size2D PoolSize => _arguments.PoolSize;

    /// <summary>Step between windows.</summary>
    public Size2D Strides => _arguments.Strides;

    /// <summary>"valid" or "same".</summary>
    public string Padding => _arguments.Padding;

    /// <inheritdoc/>
    protected override string DefaultName => "max_pooling2d";

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) => _arguments.OutputShape(this, inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        Ops.MaxPool2D(inputs, PoolSize, Strides, _arguments.Same, _arguments.Label(this));

    /// <inheritdoc/>
    public override JsonObject GetConfig() => _arguments.AddTo(base.GetConfig());
}
