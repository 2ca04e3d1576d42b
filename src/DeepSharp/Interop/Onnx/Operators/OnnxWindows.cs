namespace DeepSharp.Interop.Onnx;

/// <summary>
/// The geometry ONNX's convolutions and poolings share: kernel, strides, dilations and pads per spatial axis,
/// with auto_pad resolved against the input's size (SAME_UPPER puts the odd padding at the end, as Keras'
/// "same"; SAME_LOWER at the start) and, for poolings, ceil_mode's extra end rows.
/// </summary>
internal sealed class OnnxWindows
{
    public required int[] Kernel { get; init; }
    public required int[] Strides { get; init; }
    public required int[] Dilations { get; init; }
    public required int[] PadsBegin { get; init; }
    public required int[] PadsEnd { get; init; }
    public required string AutoPad { get; init; }
    public bool CeilMode { get; init; }

    /// <summary>The number of spatial axes.</summary>
    public int Rank => Kernel.Length;

    /// <summary>The extent of the dilated kernel along spatial axis <paramref name="i"/>.</summary>
    public int Extent(int i) => (Kernel[i] - 1) * Dilations[i] + 1;

    /// <summary>Reads the attributes of a node; <paramref name="kernel"/> is its kernel_shape (or the weight's spatial shape).</summary>
    public static OnnxWindows Read(OnnxNodeContext node, int[]? kernel, bool pooling)
    {
        var a = node.Attributes;
        kernel ??= a.Ints("kernel_shape")?.Select(k => (int)k).ToArray() ?? throw node.Unsupported($"{node.OpType} needs a 'kernel_shape' attribute");
        int rank = kernel.Length;
        node.Require(rank is >= 1 and <= 3, $"{node.OpType} over {rank} spatial axes is not supported (1 to 3 are)");
        node.Require(kernel.All(k => k > 0), $"{node.OpType}: kernel_shape must be positive");
        int[] Ints(string name, int fallback, int count)
        {
            var values = a.Ints(name);
            if (values is null) return Enumerable.Repeat(fallback, count).ToArray();
            node.Require(values.Length == count, $"{node.OpType}: '{name}' has {values.Length} values; {count} are needed");
            return values.Select(v => v is >= 0 and <= int.MaxValue / 4 ? (int)v : throw node.Unsupported($"{node.OpType}: '{name}' has value {v}")).ToArray();
        }
        var strides = Ints("strides", 1, rank);
        var dilations = Ints("dilations", 1, rank);
        node.Require(strides.All(s => s > 0) && dilations.All(d => d > 0), $"{node.OpType}: strides and dilations must be positive");
        var pads = Ints("pads", 0, 2 * rank);
        string autoPad = a.String("auto_pad", "NOTSET");
        node.Require(autoPad is "NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER", $"{node.OpType}: auto_pad '{autoPad}' is not one ONNX defines");
        bool ceil = pooling && a.Int("ceil_mode", 0) != 0;
        return new OnnxWindows
        {
            Kernel = kernel, Strides = strides, Dilations = dilations, PadsBegin = pads[..rank], PadsEnd = pads[rank..],
            AutoPad = autoPad, CeilMode = ceil,
        };
    }

    /// <summary>The pads (begin, end) of spatial axis <paramref name="i"/> for an input of <paramref name="size"/>.</summary>
    public (int Begin, int End) Pads(int i, int size)
    {
        switch (AutoPad)
        {
            case "VALID":
                return (0, 0);
            case "SAME_UPPER":
            case "SAME_LOWER":
                int output = (size + Strides[i] - 1) / Strides[i];
                int total = Math.Max((output - 1) * Strides[i] + Extent(i) - size, 0);
                int small = total / 2, large = total - small;
                return AutoPad == "SAME_UPPER" ? (small, large) : (large, small);
            default:
                return (PadsBegin[i], PadsEnd[i]);
        }
    }

    /// <summary>The output size along spatial axis <paramref name="i"/> for an input of <paramref name="size"/>.</summary>
    public int OutputSize(int i, int size)
    {
        var (begin, end) = Pads(i, size);
        long span = (long)size + begin + end - Extent(i);
        if (span < 0) throw new ArgumentException($"the window ({Extent(i)} wide) is larger than the padded input ({size + begin + end}) along spatial axis {i}.");
        long output = CeilMode ? (span + Strides[i] - 1) / Strides[i] + 1 : span / Strides[i] + 1;
        return (int)output;
    }
}
