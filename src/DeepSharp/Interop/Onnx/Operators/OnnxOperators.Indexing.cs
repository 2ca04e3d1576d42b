namespace DeepSharp.Interop.Onnx;

// Indexing: Slice (with negative steps) and Gather, whose index tensors may count from the end.
internal static partial class OnnxOperators
{
    private static void AddIndexing(Action<string, int, OnnxConverter> add)
    {
        add("Slice", 1, node =>
        {
            var starts = node.Attributes.Ints("starts") ?? throw node.Unsupported("Slice needs 'starts' (opset < 10)");
            var ends = node.Attributes.Ints("ends") ?? throw node.Unsupported("Slice needs 'ends' (opset < 10)");
            var axes = node.Attributes.Ints("axes");
            return One(x => Slice(x.Required(0, "Slice"), starts, ends, axes, null));
        });
        add("Slice", 10, node => One(x => Slice(x.Required(0, "Slice"), OnnxValues.Longs(x.Required(1, "Slice")), OnnxValues.Longs(x.Required(2, "Slice")),
            x.Optional(3) is { } axes ? OnnxValues.Longs(axes) : null, x.Optional(4) is { } steps ? OnnxValues.Longs(steps) : null)));
        add("Gather", 1, node =>
        {
            long axis = node.Attributes.Int("axis", 0);
            return One(x =>
            {
                var data = x.Required(0, "Gather");
                return Ops.Gather(data, x.Required(1, "Gather"), OnnxValues.Axis(axis, data.Rank, "Gather"));
            });
        });
    }

    /// <summary>ONNX's Slice: per listed axis start, end and step, clamped as ONNX clamps them (negative steps walk backwards).</summary>
    private static Tensor Slice(Tensor x, long[] starts, long[] ends, long[]? axes, long[]? steps)
    {
        if (starts.Length != ends.Length || axes is not null && axes.Length != starts.Length || steps is not null && steps.Length != starts.Length)
            throw new ArgumentException("Slice: starts, ends, axes and steps must have the same length.");
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = OnnxValues.Axis(axes is null ? i : axes[i], x.Rank, "Slice");
            long step = steps is null ? 1 : steps[i];
            if (step == 0) throw new ArgumentException("Slice: a step is 0.");
            long size = x.Shape[axis];
            long start = starts[i] < 0 ? starts[i] + size : starts[i];
            long end = ends[i] < 0 && ends[i] != long.MinValue ? ends[i] + size : ends[i];
            if (step > 0)
            {
                start = Math.Clamp(start, 0, size);
                end = Math.Clamp(end, 0, size);
                x = Ops.Slice(x, axis, (int)start, (int)Math.Max(end, start), (int)Math.Min(step, int.MaxValue));
            }
            else if (size == 0) continue;
            else
            {
                start = Math.Clamp(start, 0, size - 1);
                end = ends[i] == long.MinValue ? -1 : Math.Clamp(end, -1, size - 1);
                var indices = new List<int>();
                for (long j = start; j > end; j += step) indices.Add((int)j);
                x = Ops.Gather(x, indices.ToArray(), axis);
            }
        }
        return x;
    }
}
