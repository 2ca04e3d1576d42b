namespace DeepSharp.Interop.Onnx;

/// <summary>
/// ONNX's Pad on DeepSharp's Ops: pads given as [x1_begin, x2_begin, ..., x1_end, x2_end, ...]; negative
/// pads crop. Constant mode fills with a value; edge repeats the border and reflect mirrors the interior
/// (both as a Gather of row indices along each axis, so the gradient flows back to the rows they copy).
/// </summary>
internal static class OnnxPadding
{
    /// <summary>Pads (or crops) <paramref name="x"/>.</summary>
    public static Tensor Pad(Tensor x, long[] pads, float value, string mode)
    {
        int rank = x.Rank;
        if (pads.Length != 2 * rank)
            throw new ArgumentException($"Pad: {pads.Length} pads for a tensor of rank {rank}; 2·rank = {2 * rank} are needed.");
        // Negative pads crop first.
        for (int d = 0; d < rank; d++)
        {
            long before = pads[d], after = pads[d + rank];
            if (before >= 0 && after >= 0) continue;
            int size = x.Shape[d];
            int start = (int)Math.Min(Math.Max(-before, 0), size), end = (int)Math.Max(size - Math.Max(-after, 0), start);
            x = Ops.Slice(x, d, start, end);
        }
        var padding = new (int Before, int After)[rank];
        bool any = false;
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            long before = Math.Max(pads[d], 0), after = Math.Max(pads[d + rank], 0);
            if (before > int.MaxValue / 4 || after > int.MaxValue / 4) throw new ArgumentException($"Pad: pad of axis {d} is too large.");
            padding[d] = ((int)before, (int)after);
            any |= before > 0 || after > 0;
            count *= x.Shape[d] + before + after;
        }
        if (!any) return x;
        OnnxValues.Shape(padding.Select((p, d) => (long)x.Shape[d] + p.Before + p.After).ToArray(), "Pad");
        if (mode == "constant") return Ops.Pad(x, padding, value);
        for (int d = 0; d < rank; d++)
        {
            var (before, after) = padding[d];
            if (before == 0 && after == 0) continue;
            int size = x.Shape[d];
            if (size == 0) throw new ArgumentException($"Pad: {mode} mode cannot pad axis {d}, which is empty.");
            if (mode == "reflect" && (before >= size || after >= size) && size > 1)
                throw new ArgumentException($"Pad: reflect mode pads axis {d} of size {size} by ({before}, {after}); at most {size - 1} on each side.");
            var indices = new int[before + size + after];
            for (int i = 0; i < indices.Length; i++) indices[i] = Source(i - before, size, mode);
            x = Ops.Gather(x, indices, d);
        }
        return x;
    }

    /// <summary>Which row of an axis of <paramref name="size"/> the padded position <paramref name="i"/> copies.</summary>
    private static int Source(int i, int size, string mode)
    {
        if (i >= 0 && i < size) return i;
        if (mode == "edge" || size == 1) return i < 0 ? 0 : size - 1;
        int period = 2 * (size - 1); // reflect: ... 2 1 | 0 1 2 ... n-1 | n-2 ...
        int r = ((i % period) + period) % period;
        return r < size ? r : period - r;
    }
}
