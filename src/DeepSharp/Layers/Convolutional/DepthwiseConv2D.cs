using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A depthwise 2-D convolution layer, as Keras' <c>DepthwiseConv2D</c>: each input channel convolved with its own
/// <see cref="DepthMultiplier"/> filters, <c>activation(depthwise(inputs, kernel) + bias)</c> over channels-last images,
/// the kernel laid out (kernelHeight, kernelWidth, channels, depthMultiplier) and output channel c·M + m coming from
/// input channel c and kernel[..., c, m]. The building block of MobileNet and of <see cref="SeparableConv2D"/>.
/// </summary>
public sealed class DepthwiseConv2D : KernelLayer
{
    private const int DepthMultiplierByDefault = 1;
    private readonly ConvolutionWindow _window;

    /// <summary>Creates the layer; arguments and defaults as Keras' DepthwiseConv2D.</summary>
    /// <param name="kernelSize">Window size: one integer for a square window, or (height, width).</param>
    /// <param name="strides">Step between windows; 1 by default.</param>
    /// <param name="padding">"valid" or "same".</param>
    /// <param name="depthMultiplier">Output channels per input channel; 1 by default.</param>
    /// <param name="dilationRate">Spacing between kernel taps; 1 by default.</param>
    /// <param name="activation">Applied to the output; null is linear.</param>
    /// <param name="useBias">Whether to add a bias per output channel.</param>
    /// <param name="depthwiseInitializer">Kernel initializer (default glorot_uniform).</param>
    /// <param name="biasInitializer">Bias initializer (default zeros).</param>
    /// <param name="depthwiseRegularizer">Penalty on the kernel.</param>
    /// <param name="biasRegularizer">Penalty on the bias.</param>
    /// <param name="activityRegularizer">Penalty on the output.</param>
    /// <param name="name">Layer name (default "depthwise_conv2d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public DepthwiseConv2D(Size2D kernelSize, Size2D? strides = null, string padding = ImageLayers.ValidPadding,
        int depthMultiplier = DepthMultiplierByDefault, Size2D? dilationRate = null, ActivationFunction? activation = null,
        bool useBias = UseBiasByDefault, Initializer? depthwiseInitializer = null, Initializer? biasInitializer = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        string? name = null, PartialShape? inputShape = null)
        : base(activation, useBias, depthwiseInitializer, biasInitializer, depthwiseRegularizer, biasRegularizer, activityRegularizer, name, inputShape)
    {
        if (depthMultiplier <= 0)
            throw new ArgumentOutOfRangeException(nameof(depthMultiplier), depthMultiplier,
                $"DepthwiseConv2D: depthMultiplier must be a positive integer; got {depthMultiplier}.");
        DepthMultiplier = depthMultiplier;
        _window = ConvolutionWindow.Create(nameof(DepthwiseConv2D), 2, kernelSize, strides ?? 1, padding, dilationRate ?? 1);
    }

    /// <summary>Output channels per input channel.</summary>
    public int DepthMultiplier { get; }

    /// <summary>Window size (height, width).</summary>
    public Size2D KernelSize => _window.KernelSize;

    /// <summary>Step between windows.</summary>
    public Size2D Strides => _window.Strides;

    /// <summary>"valid" or "same".</summary>
    public string Padding => _window.PaddingName;

    /// <summary>Spacing between kernel taps.</summary>
    public Size2D DilationRate => _window.DilationRate;

    /// <inheritdoc/>
    protected override string DefaultName => "depthwise_conv2d";

    /// <inheritdoc/>
    /// <remarks>The height and width may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis < rank - 1;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        var (height, width) = _window.Output(inputShape);
        if (height <= 0 || width <= 0)
            throw new ArgumentException(
                $"DepthwiseConv2D '{Name}': the kernel {KernelSize} (dilation {DilationRate}) is larger than the input {FormatBatch(inputShape)} " +
                "with \"valid\" padding. Use padding: \"same\", a smaller kernel, or a larger input.");
        return [height, width, inputShape[2] * DepthMultiplier];
    }

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape) =>
        BuildKernel([KernelSize.Height, KernelSize.Width, inputShape[2], DepthMultiplier], inputShape[2] * DepthMultiplier);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        Ops.DepthwiseConv2D(inputs, Kernel, Bias, Strides, _window.Same, DilationRate, Activation, Label);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["depth_multiplier"] = DepthMultiplier;
        _window.Write(config);
        return WithKernelConfig(config, "depthwise");
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static DepthwiseConv2D FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ImageLayer(config, nameof(DepthwiseConv2D));
        var (kernelSize, strides, padding, dilation) = ConvolutionWindow.Read(r, 2);
        var k = KernelArguments.Read(r, "depthwise");
        return r.Finish(new DepthwiseConv2D(kernelSize, strides, padding, r.Optional("depth_multiplier", DepthMultiplierByDefault), dilation, k.Activation,
            k.UseBias, k.KernelInitializer, k.BiasInitializer, k.KernelRegularizer, k.BiasRegularizer, k.ActivityRegularizer, r.Name, r.InputShape));
    }
}
