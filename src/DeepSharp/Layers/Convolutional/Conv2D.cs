using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A 2-D convolution layer, as Keras' <c>Conv2D</c>: <c>activation(conv(inputs, kernel) + bias)</c> over
/// channels-last images (batch, height, width, channels), with the kernel laid out (kernelHeight,
/// kernelWidth, inChannels / groups, filters). A ReLU activation is computed inside the convolution's output pass.
/// </summary>
public sealed class Conv2D : ConvolutionLayer
{
    /// <summary>Creates the layer; arguments and defaults as Keras' Conv2D.</summary>
    /// <param name="filters">Output channels; must be positive.</param>
    /// <param name="kernelSize">Window size: one integer for a square window, or (height, width).</param>
    /// <param name="strides">Step between windows; 1 by default.</param>
    /// <param name="padding">"valid" (no padding) or "same" (output of ceil(size / stride), padded at the bottom/right first when odd).</param>
    /// <param name="dilationRate">Spacing between kernel taps; 1 by default.</param>
    /// <param name="activation">Applied to the output; null is linear.</param>
    /// <param name="useBias">Whether to add a bias per filter.</param>
    /// <param name="kernelInitializer">Kernel initializer (default glorot_uniform).</param>
    /// <param name="biasInitializer">Bias initializer (default zeros).</param>
    /// <param name="kernelRegularizer">Penalty on the kernel, added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on the bias.</param>
    /// <param name="activityRegularizer">Penalty on the output.</param>
    /// <param name="groups">
    /// Channel groups, each convolved with its own filters / groups filters; both the input channels and the filters
    /// must be multiples of it. 1 by default; as many as the input channels is a depthwise convolution.
    /// </param>
    /// <param name="name">Layer name (default "conv2d", "conv2d_1", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public Conv2D(int filters, Size2D kernelSize, Size2D? strides = null, string padding = ImageLayers.ValidPadding, Size2D? dilationRate = null,
        ActivationFunction? activation = null, bool useBias = UseBiasByDefault,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        int groups = OneGroup, string? name = null, PartialShape? inputShape = null)
        : base(filters, ConvolutionWindow.Create(nameof(Conv2D), 2, kernelSize, strides ?? 1, padding, dilationRate ?? 1), groups,
            activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, name, inputShape)
    {
    }

    /// <summary>Window size (height, width).</summary>
    public Size2D KernelSize => Window.KernelSize;

    /// <summary>Step between windows.</summary>
    public Size2D Strides => Window.Strides;

    /// <summary>Spacing between kernel taps.</summary>
    public Size2D DilationRate => Window.DilationRate;

    /// <inheritdoc/>
    protected override string DefaultName => "conv2d";

    /// <inheritdoc/>
    /// <remarks>The height and width may be unknown (the kernel slides over them).</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis < rank - 1;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) => ConvolvedShape(inputShape);

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape) =>
        BuildKernel([KernelSize.Height, KernelSize.Width, inputShape[2] / Groups, Filters], Filters);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        Ops.Conv2D(inputs, Kernel, Bias, Strides, SamePadding, DilationRate, Groups, Activation, Label);

    /// <summary>
    /// This layer and <paramref name="next"/> on <paramref name="inputs"/> as one op when they fuse (see
    /// <see cref="FusesWith"/> and <see cref="Ops.Conv2DMaxPool"/>): the values of the two layers called one after the
    /// other, without the full-size activation between them. Null when the pair does not fuse (the caller then calls both).
    /// </summary>
    internal Tensor? CallPooled(Tensor inputs, Layer next)
    {
        if (inputs.Rank != 4 || !FusesWith(next)) return null;
        var pool = (MaxPooling2D)next;
        var sample = SampleShape(inputs.Shape);
        EnsureBuilt(sample);
        var convolved = ComputeOutputShape(sample);
        pool.EnsureBuilt(convolved); // refuses, naming the pooling layer, what it would refuse on its own
        return InferPooled(inputs);
    }

    /// <summary>
    /// This layer, the LeakyReLU <paramref name="next"/> and, in training, the Dropout <paramref name="after"/> it (when
    /// given and one) on <paramref name="inputs"/> as one op (see <see cref="Ops.Conv2DLeakyRelu"/>): the values of the
    /// layers called one after the other, without the full-size tensors between them. <paramref name="fused"/> says how
    /// many layers after this one it took (1 or 2). Null when the layers do not fuse (the caller then calls them apart):
    /// this layer must be linear and ungrouped, and none of the layers may have an activity regularizer.
    /// </summary>
    internal Tensor? CallLeaky(Tensor inputs, Layer next, Layer? after, bool training, out int fused)
    {
        fused = 0;
        if (next is not LeakyReLU leaky || !Ops.FusesActivations || Groups != 1 || inputs.Rank != 4 || !Activation.IsLinear
            || ActivityRegularizer is not null || leaky.ActivityRegularizer is not null)
            return null;
        var dropout = training && after is Dropout d && d.Rate > 0f && d.ActivityRegularizer is null ? d : null;
        var sample = SampleShape(inputs.Shape);
        EnsureBuilt(sample);
        var convolved = ComputeOutputShape(sample);
        leaky.EnsureBuilt(convolved); // refuses, naming the layer, what it would refuse on its own
        dropout?.EnsureBuilt(convolved);
        fused = dropout is null ? 1 : 2;
        return Ops.Conv2DLeakyRelu(inputs, Kernel, Bias, Strides, SamePadding, DilationRate, leaky.NegativeSlope,
            dropout?.Rate ?? 0f, dropout?.Random, Label);
    }

    /// <summary>
    /// Whether this layer and <paramref name="next"/> run as one op: <paramref name="next"/> is a 2×2, stride-2, "valid"
    /// MaxPooling2D, this layer's activation is a ReLU or none, neither layer has an activity regularizer, and the
    /// machine runs the fused kernel.
    /// </summary>
    internal bool FusesWith(Layer next) =>
        next is MaxPooling2D pool && Ops.FusesConvolutionPooling && Groups == 1
        && ActivityRegularizer is null && pool.ActivityRegularizer is null
        && pool.PoolSize == new Size2D(2, 2) && pool.Strides == new Size2D(2, 2) && pool.Padding == ImageLayers.ValidPadding
        && (((IActivation)Activation).IsRelu || Activation.IsLinear);

    /// <summary>
    /// The fused op of <see cref="CallPooled"/> without its checks: for an inference plan's step, on inputs of a shape
    /// the pair already took.
    /// </summary>
    internal Tensor InferPooled(Tensor inputs) =>
        Ops.Conv2DMaxPool(inputs, Kernel, Bias, Strides, SamePadding, DilationRate, ((IActivation)Activation).IsRelu, Label);

    private protected override void AddGeometry(JsonObject config) => config["groups"] = Groups;

    /// <summary>Recreates the layer from the configuration <see cref="ConvolutionLayer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Conv2D FromConfig(JsonObject config)
    {
        var (r, filters, kernelSize, strides, padding, dilation, k) = ConvolutionArguments.Read(config, nameof(Conv2D));
        return r.Finish(new Conv2D(filters, kernelSize, strides, padding, dilation, k.Activation, k.UseBias, k.KernelInitializer, k.BiasInitializer,
            k.KernelRegularizer, k.BiasRegularizer, k.ActivityRegularizer, r.Optional("groups", OneGroup), r.Name, r.InputShape));
    }
}
