namespace DeepSharp.Interop.Onnx;

// Conv and ConvTranspose over 1, 2 or 3 spatial axes (3 for Conv only), with ONNX's pads, auto_pad, strides,
// dilations and groups, on DeepSharp's NHWC Conv2D and Conv2DTranspose: a 1-D convolution is a 2-D one of
// height 1, a 3-D one a sum of 2-D ones over the kernel's depth, groups are split along the channels.
// Inputs in ONNX's channels-first layout are moved to channels-last around the computation; a node the
// importer laid out channels-last (ChannelsLast) reads and writes NHWC directly.
internal static partial class OnnxOperators
{
    private static void AddConvolutions(Action<string, int, OnnxConverter> add)
    {
        add("Conv", 1, node =>
        {
            int group = (int)node.Attributes.Int("group", 1);
            node.Require(group >= 1, "Conv: group must be positive");
            var kernel = node.Attributes.Ints("kernel_shape")?.Select(k => (int)k).ToArray();
            OnnxWindows? fixedWindows = kernel is null ? null : OnnxWindows.Read(node, kernel, pooling: false);
            bool channelsLast = node.ChannelsLast;
            return One(x =>
            {
                var input = x.Required(0, "Conv");
                var weight = x.Required(1, "Conv");
                var windows = fixedWindows ?? OnnxWindows.Read(node, weight.Shape.Dims[2..].ToArray(), pooling: false);
                return Convolution.Conv(input, weight, x.Optional(2), windows, group, channelsLast);
            });
        });
        add("ConvTranspose", 1, node =>
        {
            int group = (int)node.Attributes.Int("group", 1);
            node.Require(group >= 1, "ConvTranspose: group must be positive");
            var outputPadding = node.Attributes.Ints("output_padding");
            var outputShape = node.Attributes.Ints("output_shape");
            bool channelsLast = node.ChannelsLast;
            return One(x =>
            {
                var weight = x.Required(1, "ConvTranspose");
                if (weight.Rank is not (3 or 4))
                    throw new NotSupportedException($"ConvTranspose over {weight.Rank - 2} spatial axes is not supported (1 and 2 are).");
                var windows = OnnxWindows.Read(node, weight.Shape.Dims[2..].ToArray(), pooling: false);
                return Convolution.ConvTranspose(x.Required(0, "ConvTranspose"), weight, x.Optional(2), windows, group, outputPadding, outputShape, channelsLast);
            });
        });
    }
}

/// <summary>The convolutions of <see cref="OnnxOperators"/>, on channels-last tensors inside.</summary>
internal static class Convolution
{
    /// <summary>[N, C, d1, ...] to [N, d1, ..., C].</summary>
    public static Tensor ChannelsLast(Tensor x)
    {
        var order = new int[x.Rank];
        order[0] = 0;
        for (int i = 1; i < x.Rank - 1; i++) order[i] = i + 1;
        order[^1] = 1;
        return Ops.Permute(x, order);
    }

    /// <summary>[N, d1, ..., C] to [N, C, d1, ...].</summary>
    public static Tensor ChannelsFirst(Tensor x)
    {
        var order = new int[x.Rank];
        order[0] = 0;
        order[1] = x.Rank - 1;
        for (int i = 2; i < x.Rank; i++) order[i] = i - 1;
        return Ops.Permute(x, order);
    }

    /// <summary>ONNX's Conv: x [N, C, spatial...] (or channels-last), weight [M, C/group, kernel...], bias [M].</summary>
    public static Tensor Conv(Tensor x, Tensor weight, Tensor? bias, OnnxWindows g, int group, bool channelsLast)
    {
        int spatial = g.Rank;
        if (weight.Rank != spatial + 2 || x.Rank != spatial + 2)
            throw new ArgumentException($"Conv: input {x.Shape} and weight {weight.Shape} do not fit a {spatial}-D convolution.");
        var input = channelsLast ? x : ChannelsLast(x);
        int channels = input.Shape[-1], filters = weight.Shape[0];
        if (channels != weight.Shape[1] * group || filters % group != 0)
            throw new ArgumentException($"Conv: input of {channels} channels, weight {weight.Shape} and group {group} do not agree.");
        input = PadSpatial(input, g, value: 0f);
        Tensor y = spatial switch
        {
            1 => Ops.Squeeze(Conv2D(Ops.Unsqueeze(input, 1), Ops.Unsqueeze(weight, 2), (1, g.Strides[0]), (1, g.Dilations[0]), group), 1),
            2 => Conv2D(input, weight, (g.Strides[0], g.Strides[1]), (g.Dilations[0], g.Dilations[1]), group),
            _ => Conv3D(input, weight, g, group),
        };
        if (bias is not null) y = Ops.Add(y, bias);
        return channelsLast ? y : ChannelsFirst(y);
    }

    /// <summary>Pads the spatial axes of a channels-last tensor by the windows' pads for its size.</summary>
    public static Tensor PadSpatial(Tensor x, OnnxWindows g, float value, bool ceilExtra = false)
    {
        var padding = new (int Before, int After)[x.Rank];
        bool any = false;
        for (int i = 0; i < g.Rank; i++)
        {
            int size = x.Shape[i + 1];
            var (begin, end) = g.Pads(i, size);
            if (ceilExtra)
            {
                // ceil_mode: the last window may run past the padded input; pad it to the window's end.
                int needed = (g.OutputSize(i, size) - 1) * g.Strides[i] + g.Extent(i);
                end = Math.Max(end, needed - size - begin);
            }
            padding[i + 1] = (begin, end);
            any |= begin != 0 || end != 0;
        }
        if (!any) return x;
        OnnxValues.Shape(x.Shape.ToArray().Select((d, i) => (long)d + padding[i].Before + padding[i].After).ToArray(), "padding");
        return Ops.Pad(x, padding, value);
    }

    /// <summary>A valid 2-D convolution of NHWC x with an OIHW weight, split into groups.</summary>
    private static Tensor Conv2D(Tensor x, Tensor weight, Size2D strides, Size2D dilations, int group)
    {
        var kernel = Ops.Permute(weight, 2, 3, 1, 0); // OIHW -> HWIO
        if (group == 1) return Ops.Conv2D(x, kernel, null, strides, "valid", dilations);
        var inputs = Ops.Split(x, group, 3);
        var kernels = Ops.Split(kernel, group, 3);
        var outputs = new Tensor[group];
        for (int i = 0; i < group; i++) outputs[i] = Ops.Conv2D(inputs[i], kernels[i], null, strides, "valid", dilations);
        return Ops.Concat(outputs, 3);
    }

    /// <summary>A valid 3-D convolution of [N, D, H, W, C]: for each kernel depth, a 2-D convolution of the depth slices it meets.</summary>
    private static Tensor Conv3D(Tensor x, Tensor weight, OnnxWindows g, int group)
    {
        int n = x.Shape[0], depth = x.Shape[1], height = x.Shape[2], width = x.Shape[3], channels = x.Shape[4];
        int outDepth = (depth - g.Extent(0)) / g.Strides[0] + 1;
        if (outDepth <= 0) throw new ArgumentException($"Conv: the kernel is deeper than the padded input ({depth}).");
        Tensor? sum = null;
        for (int k = 0; k < g.Kernel[0]; k++)
        {
            var slices = Ops.Slice(x, 1, k * g.Dilations[0], k * g.Dilations[0] + (outDepth - 1) * g.Strides[0] + 1, g.Strides[0]);
            var folded = Ops.Reshape(slices, n * outDepth, height, width, channels);
            var plane = Ops.Squeeze(Ops.Slice(weight, 2, k, k + 1), 2);
            var y = Conv2D(folded, plane, (g.Strides[1], g.Strides[2]), (g.Dilations[1], g.Dilations[2]), group);
            y = Ops.Reshape(y, n, outDepth, y.Shape[1], y.Shape[2], y.Shape[3]);
            sum = sum is null ? y : Ops.Add(sum, y);
        }
        return sum!;
    }

    /// <summary>
    /// ONNX's ConvTranspose: x [N, C, spatial...], weight [C, M/group, kernel...]. The full transposed
    /// convolution (s·(n−1) + dilated kernel) is computed, output_padding rows are added at the end, and the
    /// pads are cropped; output_shape or SAME auto_pad choose the pads as the operator's definition says.
    /// </summary>
    public static Tensor ConvTranspose(Tensor x, Tensor weight, Tensor? bias, OnnxWindows g, int group, long[]? outputPadding, long[]? outputShape,
        bool channelsLast)
    {
        int spatial = g.Rank;
        if (x.Rank != spatial + 2) throw new ArgumentException($"ConvTranspose: input {x.Shape} does not fit weight {weight.Shape}.");
        var input = channelsLast ? x : ChannelsLast(x);
        int channels = input.Shape[-1];
        if (channels != weight.Shape[0] || channels % group != 0)
            throw new ArgumentException($"ConvTranspose: input of {channels} channels, weight {weight.Shape} and group {group} do not agree.");
        if (outputPadding is not null && outputPadding.Length != spatial || outputShape is not null && outputShape.Length != spatial && outputShape.Length != spatial + 2)
            throw new ArgumentException("ConvTranspose: output_padding and output_shape need one value per spatial axis.");
        if (outputShape is { Length: > 0 } && outputShape.Length == spatial + 2) outputShape = outputShape[2..];

        var (x2, w2) = spatial == 1 ? (Ops.Unsqueeze(input, 1), Ops.Unsqueeze(weight, 2)) : (input, weight);
        int axes = 2, offset = 2 - spatial;
        var strides = new int[axes];
        var dilations = new int[axes];
        for (int i = 0; i < axes; i++)
        {
            strides[i] = i < offset ? 1 : g.Strides[i - offset];
            dilations[i] = i < offset ? 1 : g.Dilations[i - offset];
        }
        var fullShape = new long[x2.Rank];
        fullShape[0] = x2.Shape[0];
        fullShape[3] = (long)w2.Shape[1] * group;
        for (int i = 0; i < axes; i++) fullShape[i + 1] = (long)strides[i] * (x2.Shape[i + 1] - 1) + (long)(w2.Shape[i + 2] - 1) * dilations[i] + 1;
        OnnxValues.Shape(fullShape, "ConvTranspose");
        var kernel = Ops.Permute(w2, 2, 3, 1, 0); // [C, M/g, kh, kw] -> [kh, kw, M/g, C]
        Tensor y;
        if (group == 1) y = Ops.Conv2DTranspose(x2, kernel, null, (strides[0], strides[1]), "valid", (dilations[0], dilations[1]), (0, 0));
        else
        {
            var inputs = Ops.Split(x2, group, 3);
            var kernels = Ops.Split(kernel, group, 3);
            var outputs = new Tensor[group];
            for (int i = 0; i < group; i++) outputs[i] = Ops.Conv2DTranspose(inputs[i], kernels[i], null, (strides[0], strides[1]), "valid", (dilations[0], dilations[1]), (0, 0));
            y = Ops.Concat(outputs, 3);
        }
        if (spatial == 1) y = Ops.Squeeze(y, 1);

        // y holds the full output: s·(n−1) + extent along each axis. Pad by output_padding, crop the pads.
        var extra = new (int Before, int After)[y.Rank];
        for (int i = 0; i < spatial; i++) extra[i + 1] = (0, outputPadding is null ? 0 : (int)outputPadding[i]);
        if (extra.Any(p => p.After != 0)) y = Ops.Pad(y, extra);
        for (int i = 0; i < spatial; i++)
        {
            int full = y.Shape[i + 1], n = input.Shape[i + 1];
            int begin, end;
            if (outputShape is not null || g.AutoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                // ONNX's rule, with Python's floor division: a negative total pads (with zeros) instead of cropping.
                long target = outputShape is not null ? outputShape[i] : (long)n * g.Strides[i];
                long total = full - target, half = (long)Math.Floor(total / 2.0);
                (begin, end) = g.AutoPad == "SAME_UPPER" ? ((int)half, (int)(total - half)) : ((int)(total - half), (int)half);
            }
            else if (g.AutoPad == "VALID") (begin, end) = (0, 0);
            else (begin, end) = (g.PadsBegin[i], g.PadsEnd[i]);
            if (begin + end >= full) throw new ArgumentException($"ConvTranspose: pads ({begin}, {end}) leave nothing of the output ({full}).");
            if (begin < 0 || end < 0)
            {
                var grow = new (int Before, int After)[y.Rank];
                grow[i + 1] = (Math.Max(-begin, 0), Math.Max(-end, 0));
                y = Ops.Pad(y, grow);
                full = y.Shape[i + 1];
                begin = Math.Max(begin, 0);
                end = Math.Max(end, 0);
            }
            if (begin != 0 || end != 0) y = Ops.Slice(y, i + 1, begin, full - end);
        }
        if (bias is not null) y = Ops.Add(y, bias);
        return channelsLast ? y : ChannelsFirst(y);
    }
}
