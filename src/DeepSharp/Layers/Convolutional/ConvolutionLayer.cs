using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// What the 2-D convolutions share, as Keras' <c>BaseConv</c>: filters, window size, strides, padding and
/// dilation, checked once, over channels-last images (batch, height, width, channels). Conv2D and
/// Conv2DTranspose add their own geometry.
/// </summary>
public abstract class ConvolutionLayer : KernelLayer
{
    private protected ConvolutionLayer(int filters, Size2D kernelSize, Size2D? strides, string padding, Size2D? dilationRate,
        ActivationFunction? activation, bool useBias, Initializer? kernelInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? biasRegularizer, Regularizer? activityRegularizer, string? name, TensorShape? inputShape)
        : base(activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, name, inputShape)
    {
        string kind = GetType().Name;
        if (filters <= 0)
            throw new ArgumentOutOfRangeException(nameof(filters), filters, $"{kind}: filters must be a positive integer; got {filters}.");
        Filters = filters;
        KernelSize = kernelSize.RequirePositive(kind, nameof(kernelSize));
        Strides = (strides ?? 1).RequirePositive(kind, nameof(strides));
        DilationRate = (dilationRate ?? 1).RequirePositive(kind, nameof(dilationRate));
        ImageLayers.RequireSpan(kind, KernelSize, DilationRate);
        Padding = ImageLayers.Padding(kind, padding);
        SamePadding = Padding == "same";
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Window size (height, width).</summary>
    public Size2D KernelSize { get; }

    /// <summary>Step between windows (for a transposed convolution, the upsampling step).</summary>
    public Size2D Strides { get; }

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>Spacing between kernel taps.</summary>
    public Size2D DilationRate { get; }

    /// <summary>Whether the padding is "same".</summary>
    private protected bool SamePadding { get; }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["kernel_size"] = ImageLayers.ToJson(KernelSize);
        config["strides"] = ImageLayers.ToJson(Strides);
        config["padding"] = Padding;
        config["data_format"] = "channels_last";
        config["dilation_rate"] = ImageLayers.ToJson(DilationRate);
        AddGeometry(config);
        return WithKernelConfig(config);
    }

    /// <summary>Adds what a convolution saves beyond the shared arguments (Conv2D's groups, the transpose's output padding).</summary>
    private protected abstract void AddGeometry(JsonObject config);

    /// <summary>The shared arguments as saved: the reader and the window geometry.</summary>
    private protected readonly record struct ConvolutionArguments(ConfigReader Reader, int Filters, Size2D KernelSize, Size2D? Strides,
        string Padding, Size2D? DilationRate, KernelArguments Kernel)
    {
        internal static ConvolutionArguments Read(JsonObject config, string owner)
        {
            var r = LayerConfigReader.ImageLayer(config, owner);
            return new(r, r.Required<int>("filters"), r.RequiredSize("kernel_size"), r.Size("strides"), r.Optional("padding", ImageLayers.ValidPadding),
                r.Size("dilation_rate"), KernelArguments.Read(r));
        }
    }
}
