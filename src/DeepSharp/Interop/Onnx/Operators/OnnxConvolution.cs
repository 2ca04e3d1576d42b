namespace DeepSharp.Interop.Onnx;

/// <summary>The convolutions of <see cref="OnnxOperators"/>, on channels-last tensors inside.</summary>
internal static class OnnxConvolution
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

    /// <summary>The full ("valid", s·(n−1) + extent) transposed convolution of NHWC x with a [C, M/group, kh, kw] weight, split into groups.</summary>
    private static Tensor FullTranspose2D(Tensor x, Tensor weight, Size2D strides, Size2D dilations, int group)
    {
        var kernel = Ops.Permute(weight, 2, 3, 1, 0); // [C, M/g, kh, kw] -> [kh, kw, M/g, C]
        if (group == 1) return Ops.Conv2DTranspose(x, kernel, null, strides, "valid", dilations, (0, 0));
        var inputs = Ops.Split(x, group, 3);
        var kernels = Ops.Split(kernel, group, 3);
        var outputs = new Tensor[group];
        for (int i = 0; i < group; i++) outputs[i] = Ops.Conv2DTranspose(inputs[i], kernels[i], null, strides, "valid", dilations, (0, 0));
        return Ops.Concat(outputs, 3);
    }

    /// <summary>
    /// The full transposed convolution of [N, D, H, W, C]: for each kernel depth, a 2-D one of every input
    /// slice, spread along the depth by the stride (zeros between) and shifted by that depth's offset.
    /// </summary>
    private static Tensor FullTranspose3D(Tensor x, Tensor weight, OnnxWindows g, int group)
    {
        int n = x.Shape[0], depth = x.Shape[1], stride = g.Strides[0], full = stride * (depth - 1) + g.Extent(0);
        var folded = Ops.Reshape(x, n * depth, x.Shape[2], x.Shape[3], x.Shape[4]);
        Tensor? sum = null;
        for (int k = 0; k < g.Kernel[0]; k++)
        {
            var plane = Ops.Squeeze(Ops.Slice(weight, 2, k, k + 1), 2);
            var z = FullTranspose2D(folded, plane, (g.Strides[1], g.Strides[2]), (g.Dilations[1], g.Dilations[2]), group);
            var rest = z.Shape.Dims[1..].ToArray();
            // [N, D, 1, ...] padded to [N, D, stride, ...] and merged: input slice d lands at depth d·stride.
            var spread = Ops.Unsqueeze(Ops.Reshape(z, [n, depth, .. rest]), 2);
            var padding = new (int Before, int After)[spread.Rank];
            padding[2] = (0, stride - 1);
            spread = Ops.Reshape(Ops.Pad(spread, padding), [n, depth * stride, .. rest]);
            spread = Ops.Slice(spread, 1, 0, (depth - 1) * stride + 1);
            int offset = k * g.Dilations[0];
            var shift = new (int Before, int After)[spread.Rank];
            shift[1] = (offset, full - offset - spread.Shape[1]);
            spread = Ops.Pad(spread, shift);
            sum = sum is null ? spread : Ops.Add(sum, spread);
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

        var fullShape = new long[input.Rank];
        fullShape[0] = input.Shape[0];
        fullShape[^1] = (long)weight.Shape[1] * group;
        for (int i = 0; i < spatial; i++) fullShape[i + 1] = (long)g.Strides[i] * (input.Shape[i + 1] - 1) + g.Extent(i);
        OnnxValues.Shape(fullShape, "ConvTranspose");
        var y = spatial switch
        {
            1 => Ops.Squeeze(FullTranspose2D(Ops.Unsqueeze(input, 1), Ops.Unsqueeze(weight, 2), (1, g.Strides[0]), (1, g.Dilations[0]), group), 1),
            2 => FullTranspose2D(input, weight, (g.Strides[0], g.Strides[1]), (g.Dilations[0], g.Dilations[1]), group),
            _ => FullTranspose3D(input, weight, g, group),
        };

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
