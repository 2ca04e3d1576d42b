using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The sliding window of a convolution layer, as Keras' <c>BaseConv</c> standardizes it: the spatial rank (1 for
/// sequences, 2 for images), kernel size, strides, dilation and padding, checked once with messages that name the
/// layer. A 1-D window is kept as a 2-D one of height 1, the way the kernels run it.
/// </summary>
internal readonly record struct ConvolutionWindow(int Rank, Size2D KernelSize, Size2D Strides, Size2D DilationRate, WindowPadding Padding)
{
    /// <summary>A checked window; <paramref name="allowCausal"/> for Conv1D, the one layer Keras lets pad causally.</summary>
    internal static ConvolutionWindow Create(string owner, int rank, Size2D kernelSize, Size2D strides, string padding, Size2D dilationRate,
        bool allowCausal = false)
    {
        ArgumentNullException.ThrowIfNull(padding);
        var window = new ConvolutionWindow(rank, Positive(owner, rank, kernelSize, "kernelSize"), Positive(owner, rank, strides, "strides"),
            Positive(owner, rank, dilationRate, "dilationRate"), Ops.ParseWindowPadding(owner, padding, allowCausal));
        ImageLayers.RequireSpan(owner, window.KernelSize, window.DilationRate);
        return window;
    }

    /// <summary>A 1-D size as the window keeps it: height 1.</summary>
    internal static Size2D Sequence(int length) => new(1, length);

    /// <summary>Whether the padding is "same".</summary>
    internal bool Same => Padding == WindowPadding.Same;

    /// <summary>The padding as Keras saves it.</summary>
    internal string PaddingName => Padding switch
    {
        WindowPadding.Same => "same",
        WindowPadding.Causal => "causal",
        _ => "valid",
    };

    /// <summary>
    /// The output's spatial size for a per-sample input (steps, channels) or (height, width, channels); zero or less
    /// along an axis a "valid" window does not fit.
    /// </summary>
    internal (int Height, int Width) Output(TensorShape inputShape)
    {
        int height = Rank == 1 ? 1 : Ops.WindowOutput(inputShape[0], KernelSize.Height, Strides.Height, DilationRate.Height, Padding).Output;
        int width = Ops.WindowOutput(inputShape[Rank - 1], KernelSize.Width, Strides.Width, DilationRate.Width, Padding).Output;
        return (height, width);
    }

    /// <summary>A size as this window's layer prints it: one integer in 1-D, (height, width) in 2-D.</summary>
    internal string Format(Size2D size) => Rank == 1 ? size.Width.ToString(System.Globalization.CultureInfo.InvariantCulture) : size.ToString();

    /// <summary>A size as Keras saves it: [n] in 1-D, [height, width] in 2-D.</summary>
    internal JsonArray ToJson(Size2D size) => Rank == 1 ? new JsonArray(size.Width) : ImageLayers.ToJson(size);

    /// <summary>Adds kernel_size, strides, padding, data_format and dilation_rate, in Keras' order.</summary>
    internal void Write(JsonObject config)
    {
        config["kernel_size"] = ToJson(KernelSize);
        config["strides"] = ToJson(Strides);
        config["padding"] = PaddingName;
        config["data_format"] = "channels_last";
        config["dilation_rate"] = ToJson(DilationRate);
    }

    /// <summary>The saved window arguments of a layer of <paramref name="rank"/> (absent ones null: the constructor's defaults).</summary>
    internal static (Size2D KernelSize, Size2D? Strides, string Padding, Size2D? DilationRate) Read(ConfigReader r, int rank) =>
        (Size(r, rank, "kernel_size") ?? throw r.Missing("kernel_size"), Size(r, rank, "strides"),
            r.Optional("padding", ImageLayers.ValidPadding), Size(r, rank, "dilation_rate"));

    private static Size2D? Size(ConfigReader r, int rank, string key) =>
        rank == 1 ? (r.Length(key) is { } n ? Sequence(n) : null) : r.Size(key);

    private static Size2D Positive(string owner, int rank, Size2D size, string argument)
    {
        if (rank == 2) return size.RequirePositive(owner, argument);
        return size.Width >= 1 ? size
            : throw new ArgumentOutOfRangeException(argument, size.Width, $"{owner}: {argument} must be a positive integer; got {size.Width}.");
    }
}
