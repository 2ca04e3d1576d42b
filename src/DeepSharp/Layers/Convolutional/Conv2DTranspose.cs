using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A transposed 2-D convolution layer (sometimes called deconvolution), as Keras' <c>Conv2DTranspose</c>: the
/// gradient of a convolution with respect to its input, used to upsample. Channels-last images; the kernel is
/// laid out (kernelHeight, kernelWidth, filters, inChannels), as Keras. Output size: with no
/// <see cref="OutputPadding"/>, size·stride + max(kernel − stride, 0) for "valid" and size·stride for "same";
/// with it, (size − 1)·stride + kernel − 2·pad + outputPadding (pad = kernel / 2 for "same", 0 for "valid"),
/// kernel meaning the dilated extent.
/// </summary>
public sealed class Conv2DTranspose : ConvolutionLayer
{
    /// <summary>Creates the layer; arguments and defaults as Keras' Conv2DTranspose.</summary>
    /// <param name="filters">Output channels; must be positive.</param>
    /// <param name="kernelSize">Window size: one integer for a square window, or (height, width).</param>
    /// <param name="strides">Upsampling step; 1 by default.</param>
    /// <param name="padding">"valid" or "same".</param>
    /// <param name="outputPadding">Extra rows and columns at the bottom/right, each smaller than its stride; null for the default sizes.</param>
    /// <param name="dilationRate">Spacing between kernel taps; 1 by default.</param>
    /// <param name="activation">Applied to the output; null is linear.</param>
    /// <param name="useBias">Whether to add a bias per filter.</param>
    /// <param name="kernelInitializer">Kernel initializer (default glorot_uniform).</param>
    /// <param name="biasInitializer">Bias initializer (default zeros).</param>
    /// <param name="kernelRegularizer">Penalty on the kernel.</param>
    /// <param name="biasRegularizer">Penalty on the bias.</param>
    /// <param name="activityRegularizer">Penalty on the output.</param>
    /// <param name="name">Layer name (default "conv2d_transpose", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public Conv2DTranspose(int filters, Size2D kernelSize, Size2D? strides = null, string padding = ImageLayers.ValidPadding, Size2D? outputPadding = null,
        Size2D? dilationRate = null, ActivationFunction? activation = null, bool useBias = UseBiasByDefault,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        string? name = null, PartialShape? inputShape = null)
        : base(filters, ConvolutionWindow.Create(nameof(Conv2DTranspose), 2, kernelSize, strides ?? 1, padding, dilationRate ?? 1), OneGroup,
            activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, name, inputShape)
    {
        if (outputPadding is { } op && (op.Height < 0 || op.Width < 0 || op.Height >= Strides.Height || op.Width >= Strides.Width))
            throw new ArgumentOutOfRangeException(nameof(outputPadding), op,
                $"Conv2DTranspose: outputPadding {op} must be non-negative and smaller than the strides {Strides}.");
        OutputPadding = outputPadding;
    }

    /// <summary>Window size (height, width).</summary>
    public Size2D KernelSize => Window.KernelSize;

    /// <summary>The upsampling step.</summary>
    public Size2D Strides => Window.Strides;

    /// <summary>Spacing between kernel taps.</summary>
    public Size2D DilationRate => Window.DilationRate;

    /// <summary>Extra rows and columns at the bottom/right, or null for Keras' default sizes.</summary>
    public Size2D? OutputPadding { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "conv2d_transpose";

    /// <inheritdoc/>
    /// <remarks>The height and width may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis < rank - 1;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        // The largest output any padding gives: the input upsampled by the strides, plus the kernel's span.
        ImageLayers.Dimension(this, (long)Math.Max(inputShape[0], inputShape[1]) * Math.Max(Strides.Height, Strides.Width)
            + (long)(Math.Max(KernelSize.Height, KernelSize.Width) - 1) * Math.Max(DilationRate.Height, DilationRate.Width) + 1, inputShape);
        int height = Ops.TransposeOutputLength(inputShape[0], KernelSize.Height, Strides.Height, DilationRate.Height, SamePadding, OutputPadding?.Height);
        int width = Ops.TransposeOutputLength(inputShape[1], KernelSize.Width, Strides.Width, DilationRate.Width, SamePadding, OutputPadding?.Width);
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"Conv2DTranspose '{Name}': input {FormatBatch(inputShape)} gives an empty output ({height}, {width}).");
        // The output must be an image the matching convolution maps back onto the input (TensorFlow refuses it otherwise).
        var (backHeight, _) = Ops.WindowOutput(height, KernelSize.Height, Strides.Height, DilationRate.Height, SamePadding);
        var (backWidth, _) = Ops.WindowOutput(width, KernelSize.Width, Strides.Width, DilationRate.Width, SamePadding);
        if (backHeight != inputShape[0] || backWidth != inputShape[1])
            throw new ArgumentException(
                $"Conv2DTranspose '{Name}': an output of ({height}, {width}) from input {FormatBatch(inputShape)} does not map back onto the input " +
                $"with kernel {KernelSize}, strides {Strides} and padding \"{Padding}\" (outputPadding {OutputPadding?.ToString() ?? "none"}). " +
                "Change outputPadding or the padding.");
        return [height, width, Filters];
    }

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape) =>
        BuildKernel([KernelSize.Height, KernelSize.Width, Filters, inputShape[2]], Filters);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        Ops.Conv2DTranspose(inputs, Kernel, Bias, Strides, SamePadding, DilationRate, OutputPadding, Activation, Label);

    private protected override void AddGeometry(JsonObject config) =>
        config["output_padding"] = OutputPadding is { } op ? ImageLayers.ToJson(op) : null;

    /// <summary>Recreates the layer from the configuration <see cref="ConvolutionLayer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Conv2DTranspose FromConfig(JsonObject config)
    {
        var (r, filters, kernelSize, strides, padding, dilation, k) = ConvolutionArguments.Read(config, nameof(Conv2DTranspose));
        return r.Finish(new Conv2DTranspose(filters, kernelSize, strides, padding, r.NullableSize("output_padding"), dilation, k.Activation, k.UseBias,
            k.KernelInitializer, k.BiasInitializer, k.KernelRegularizer, k.BiasRegularizer, k.ActivityRegularizer, r.Name, r.InputShape));
    }
}
