namespace DeepSharp.Interop.Onnx;

/// <summary>The poolings of <see cref="OnnxOperators"/>, on channels-last tensors inside.</summary>
internal static class OnnxPooling
{
    /// <summary>The spatial axes of a tensor of <paramref name="rank"/>.</summary>
    public static int[] SpatialAxes(int rank, bool channelsLast) =>
        Enumerable.Range(channelsLast ? 1 : 2, Math.Max(rank - 2, 0)).ToArray();

    /// <summary>Max or average pooling of x [N, C, spatial...] (or channels-last).</summary>
    public static Tensor Pool(Tensor x, OnnxWindows g, bool max, bool countPadding, bool channelsLast)
    {
        if (x.Rank != g.Rank + 2) throw new ArgumentException($"{(max ? "MaxPool" : "AveragePool")}: input {x.Shape} does not have {g.Rank} spatial axes.");
        var input = channelsLast ? x : OnnxConvolution.ChannelsLast(x);
        var sizes = input.Shape.Dims[1..^1].ToArray();
        var outputs = new int[g.Rank];
        for (int i = 0; i < g.Rank; i++)
        {
            outputs[i] = g.OutputSize(i, sizes[i]);
            if (outputs[i] <= 0) throw new ArgumentException($"Pool: the window does not fit the input {x.Shape}.");
        }
        var padded = OnnxConvolution.PadSpatial(input, g, max ? float.NegativeInfinity : 0f, ceilExtra: true);
        Tensor y;
        if (g.Rank == 2 && g.Dilations.All(d => d == 1))
            y = max ? Ops.MaxPool2D(padded, (g.Kernel[0], g.Kernel[1]), (g.Strides[0], g.Strides[1]))
                : Ops.AveragePool2D(padded, (g.Kernel[0], g.Kernel[1]), (g.Strides[0], g.Strides[1]));
        else
        {
            y = null!;
            foreach (var offset in Offsets(g.Kernel))
            {
                var view = padded;
                for (int i = 0; i < g.Rank; i++)
                {
                    int start = offset[i] * g.Dilations[i];
                    view = Ops.Slice(view, i + 1, start, start + (outputs[i] - 1) * g.Strides[i] + 1, g.Strides[i]);
                }
                y = y is null ? view : max ? Ops.Maximum(y, view) : Ops.Add(y, view);
            }
            if (!max) y = Ops.Multiply(y, 1f / g.Kernel.Aggregate(1, (a, k) => a * k));
        }
        if (!max)
        {
            // The kernels divide by the window's size; ONNX divides by the values the window counts.
            var factor = WindowCounts(g, sizes, outputs, countPadding);
            if (factor is not null) y = Ops.Multiply(y, factor);
        }
        return channelsLast ? y : OnnxConvolution.ChannelsFirst(y);
    }

    /// <summary>
    /// Per output position, window size / counted values (a tensor [1, out..., 1]), or null when every window
    /// counts all its values. Counted are the input's values, and the pads too with count_include_pad; never
    /// the rows ceil_mode adds past the pads. Each axis counts independently, so the count is a product.
    /// </summary>
    private static Tensor? WindowCounts(OnnxWindows g, int[] sizes, int[] outputs, bool countPadding)
    {
        var perAxis = new int[g.Rank][];
        bool full = true;
        for (int i = 0; i < g.Rank; i++)
        {
            var (begin, end) = g.Pads(i, sizes[i]);
            int low = countPadding ? -begin : 0, high = countPadding ? sizes[i] + end : sizes[i];
            perAxis[i] = new int[outputs[i]];
            for (int o = 0; o < outputs[i]; o++)
            {
                int count = 0;
                for (int k = 0; k < g.Kernel[i]; k++)
                {
                    int position = o * g.Strides[i] - begin + k * g.Dilations[i];
                    if (position >= low && position < high) count++;
                }
                perAxis[i][o] = count;
                full &= count == g.Kernel[i];
            }
        }
        if (full) return null;
        int total = outputs.Aggregate(1, (a, o) => a * o);
        var values = new float[total];
        float window = g.Kernel.Aggregate(1, (a, k) => a * k);
        var index = new int[g.Rank];
        for (int flat = 0; flat < total; flat++)
        {
            int rest = flat, count = 1;
            for (int i = g.Rank - 1; i >= 0; i--)
            {
                index[i] = rest % outputs[i];
                rest /= outputs[i];
                count *= perAxis[i][index[i]];
            }
            values[flat] = count == 0 ? 0f : window / count;
        }
        return Tensor.FromArray(values, [1, .. outputs, 1]);
    }

    /// <summary>Every kernel offset, first axis slowest.</summary>
    private static IEnumerable<int[]> Offsets(int[] kernel)
    {
        var offset = new int[kernel.Length];
        while (true)
        {
            yield return (int[])offset.Clone();
            int i = kernel.Length - 1;
            while (i >= 0 && ++offset[i] == kernel[i]) offset[i--] = 0;
            if (i < 0) yield break;
        }
    }

    /// <summary>
    /// MaxPool's second output: for each output, the flat index (over the whole NCHW input; within an image
    /// row-major, or column-major with storage_order 1) of the largest value of its window, the first one on
    /// ties. Computed on the host: indices have no gradient.
    /// </summary>
    public static Tensor MaxIndices(Tensor x, OnnxWindows g, bool channelsLast, bool columnMajor)
    {
        var nchw = channelsLast ? OnnxConvolution.ChannelsFirst(x) : x;
        var values = nchw.ToArray();
        var shape = nchw.Shape.ToArray();
        int n = shape[0], c = shape[1];
        var sizes = shape[2..];
        var outputs = sizes.Select((s, i) => g.OutputSize(i, s)).ToArray();
        int plane = sizes.Aggregate(1, (a, s) => a * s), outPlane = outputs.Aggregate(1, (a, o) => a * o);
        var result = new float[n * c * outPlane];
        var position = new int[g.Rank];
        for (int image = 0; image < n * c; image++)
            for (int o = 0; o < outPlane; o++)
            {
                int rest = o;
                for (int i = g.Rank - 1; i >= 0; i--)
                {
                    position[i] = rest % outputs[i];
                    rest /= outputs[i];
                }
                float best = float.NegativeInfinity;
                int bestIndex = -1;
                foreach (var offset in Offsets(g.Kernel))
                {
                    int flat = 0, stored = 0, stride = 1;
                    bool inside = true;
                    for (int i = 0; i < g.Rank && inside; i++)
                    {
                        int p = position[i] * g.Strides[i] - g.Pads(i, sizes[i]).Begin + offset[i] * g.Dilations[i];
                        inside = p >= 0 && p < sizes[i];
                        flat = flat * sizes[i] + p;
                        stored += p * stride; // column-major: the first spatial axis varies fastest
                        stride *= sizes[i];
                    }
                    if (!inside) continue;
                    float v = values[image * plane + flat];
                    if (bestIndex < 0 || v > best)
                    {
                        best = v;
                        bestIndex = image * plane + (columnMajor ? stored : flat);
                    }
                }
                result[image * outPlane + o] = bestIndex;
            }
        var indices = Tensor.FromArray(result, [n, c, .. outputs]);
        return channelsLast ? OnnxConvolution.ChannelsLast(indices) : indices;
    }
}
