namespace DeepSharp.Interop.Onnx;

// Ops that rearrange elements: reshaping, transposing, joining and splitting, squeezing, expanding, padding.
// Shapes, axes and pads arrive as attributes in early opsets and as (int64) inputs in later ones.
internal static partial class OnnxOperators
{
    private static void AddShapes(Action<string, int, OnnxConverter> add)
    {
        add("Reshape", 1, node =>
        {
            var shape = node.Attributes.Ints("shape") ?? throw node.Unsupported("Reshape (opset < 5) without a 'shape' attribute");
            return One(x => Reshape(x.Required(0, "Reshape"), shape, allowZero: false));
        });
        add("Reshape", 5, node =>
        {
            bool allowZero = node.Attributes.Int("allowzero", 0) != 0;
            return One(x => Reshape(x.Required(0, "Reshape"), OnnxValues.Longs(x.Required(1, "Reshape")), allowZero));
        });
        add("Flatten", 1, node =>
        {
            long axis = node.Attributes.Int("axis", 1);
            return One(x =>
            {
                var input = x.Required(0, "Flatten");
                int a = axis == input.Rank ? input.Rank : OnnxValues.Axis(axis, input.Rank, "Flatten");
                int outer = 1;
                for (int d = 0; d < a; d++) outer *= input.Shape[d];
                return Ops.Reshape(input, outer, outer == 0 ? 0 : input.Size / outer);
            });
        });
        add("Transpose", 1, node =>
        {
            var perm = node.Attributes.Ints("perm");
            return One(x =>
            {
                var input = x.Required(0, "Transpose");
                var order = perm is null ? Enumerable.Range(0, input.Rank).Reverse().ToArray() : perm.Select(p => (int)p).ToArray();
                return Ops.Permute(input, order);
            });
        });
        add("Concat", 1, node =>
        {
            long axis = node.Attributes.Int("axis", node.Opset < 4 ? 1 : long.MinValue);
            node.Require(axis != long.MinValue, "Concat needs an 'axis' attribute");
            return One(x =>
            {
                var parts = x.Where(t => t is not null).Select(t => t!).ToArray();
                if (parts.Length == 0) throw new ArgumentException("Concat: no inputs.");
                return Ops.Concat(parts, OnnxValues.Axis(axis, parts[0].Rank, "Concat"));
            });
        });
        add("Split", 1, node =>
        {
            long axis = node.Attributes.Int("axis", 0);
            var sizes = node.Attributes.Ints("split");
            int outputs = node.OutputCount;
            return x => Split(x.Required(0, "Split"), axis, sizes ?? (x.Optional(1) is { } s ? OnnxValues.Longs(s) : null), outputs);
        });
        add("Split", 13, node =>
        {
            long axis = node.Attributes.Int("axis", 0);
            int outputs = node.OutputCount;
            return x => Split(x.Required(0, "Split"), axis, x.Optional(1) is { } s ? OnnxValues.Longs(s) : null, outputs);
        });
        add("Squeeze", 1, node =>
        {
            var axes = node.Attributes.Ints("axes");
            return One(x => Squeeze(x.Required(0, "Squeeze"), axes));
        });
        add("Squeeze", 13, node => One(x => Squeeze(x.Required(0, "Squeeze"), x.Optional(1) is { } a ? OnnxValues.Longs(a) : null)));
        add("Unsqueeze", 1, node =>
        {
            var axes = node.Attributes.Ints("axes") ?? throw node.Unsupported("Unsqueeze needs an 'axes' attribute (opset < 13)");
            return One(x => Unsqueeze(x.Required(0, "Unsqueeze"), axes));
        });
        add("Unsqueeze", 13, node => One(x => Unsqueeze(x.Required(0, "Unsqueeze"), OnnxValues.Longs(x.Required(1, "Unsqueeze")))));
        add("Expand", 8, node => One(x => Expand(x.Required(0, "Expand"), OnnxValues.Longs(x.Required(1, "Expand")))));
        add("Tile", 6, node => One(x => Tile(x.Required(0, "Tile"), OnnxValues.Longs(x.Required(1, "Tile")))));
        add("Pad", 2, node =>
        {
            var pads = node.Attributes.Ints("pads") ?? throw node.Unsupported("Pad needs a 'pads' attribute (opset < 11)");
            float value = node.Attributes.Float("value", 0f);
            string mode = PadMode(node);
            return One(x => OnnxPadding.Pad(x.Required(0, "Pad"), pads, value, mode));
        });
        add("Pad", 11, node =>
        {
            string mode = PadMode(node);
            node.Require(node.InputCount < 4 || !node.Has(3), "Pad with an 'axes' input (opset 18) is not supported");
            return One(x => OnnxPadding.Pad(x.Required(0, "Pad"), OnnxValues.Longs(x.Required(1, "Pad")),
                x.Optional(2) is { } v ? OnnxValues.Scalar(v, "Pad's constant_value") : 0f, mode));
        });
    }

    private static string PadMode(OnnxNodeContext node)
    {
        string mode = node.Attributes.String("mode", "constant");
        node.Require(mode is "constant" or "reflect" or "edge", $"Pad mode '{mode}' is not supported (constant, reflect and edge are)");
        return mode;
    }

    /// <summary>ONNX's Reshape: 0 copies the input's dimension (unless allowzero), -1 is inferred.</summary>
    private static Tensor Reshape(Tensor x, long[] shape, bool allowZero)
    {
        var dims = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            dims[i] = shape[i];
            if (shape[i] == 0 && !allowZero)
            {
                if (i >= x.Rank) throw new ArgumentException($"Reshape: dimension {i} is 0 (copy the input's) but the input {x.Shape} has only {x.Rank} dimensions.");
                dims[i] = x.Shape[i];
            }
            else if (shape[i] < -1) throw new ArgumentException($"Reshape: dimension {i} is {shape[i]}.");
        }
        var target = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) target[i] = dims[i] > int.MaxValue ? throw new ArgumentException($"Reshape: dimension {i} is {dims[i]}.") : (int)dims[i];
        return Ops.Reshape(x, target);
    }

    private static Tensor[] Split(Tensor x, long axis, long[]? sizes, int outputs)
    {
        int a = OnnxValues.Axis(axis, x.Rank, "Split");
        if (sizes is null)
        {
            int size = x.Shape[a];
            if (outputs <= 0 || size % outputs != 0)
                throw new ArgumentException($"Split: axis {a} of size {size} cannot be split into {outputs} equal parts.");
            return Ops.Split(x, outputs, a);
        }
        if (sizes.Length != outputs) throw new ArgumentException($"Split: {sizes.Length} sizes for {outputs} outputs.");
        return Ops.Split(x, sizes.Select(s => (int)Math.Clamp(s, -1, int.MaxValue)).ToArray(), a);
    }

    private static Tensor Squeeze(Tensor x, long[]? axes)
    {
        if (axes is null) return Ops.Squeeze(x);
        var normalized = axes.Select(a => OnnxValues.Axis(a, x.Rank, "Squeeze")).Distinct().OrderDescending();
        foreach (int a in normalized) x = Ops.Squeeze(x, a);
        return x;
    }

    private static Tensor Unsqueeze(Tensor x, long[] axes)
    {
        int rank = x.Rank + axes.Length;
        var normalized = axes.Select(a => OnnxValues.Axis(a, rank, "Unsqueeze")).Order().ToArray();
        if (normalized.Distinct().Count() != normalized.Length) throw new ArgumentException("Unsqueeze: an axis is given twice.");
        foreach (int a in normalized) x = Ops.Unsqueeze(x, a);
        return x;
    }

    /// <summary>Broadcasts x and the requested shape together (ONNX's Expand may also keep x's larger dimensions).</summary>
    private static Tensor Expand(Tensor x, long[] shape)
    {
        var requested = OnnxValues.Shape(shape.Select(d => Math.Max(d, 0)).ToArray(), "Expand");
        int rank = Math.Max(x.Rank, requested.Length);
        var target = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int fromX = i - (rank - x.Rank), fromShape = i - (rank - requested.Length);
            int dx = fromX >= 0 ? x.Shape[fromX] : 1, ds = fromShape >= 0 ? requested[fromShape] : 1;
            if (dx != ds && dx != 1 && ds != 1)
                throw new ArgumentException($"Expand: a tensor of shape {x.Shape} cannot be broadcast to [{string.Join(", ", requested)}].");
            target[i] = dx == 1 ? ds : dx;
        }
        OnnxValues.Shape(target.Select(d => (long)d).ToArray(), "Expand");
        return Ops.Expand(x, target);
    }

    /// <summary>Repeats the tensor along each axis: consecutive copies joined along that axis.</summary>
    private static Tensor Tile(Tensor x, long[] repeats)
    {
        if (repeats.Length != x.Rank) throw new ArgumentException($"Tile: {repeats.Length} repeats for a tensor of rank {x.Rank}.");
        OnnxValues.Shape(x.Shape.ToArray().Select((d, i) => d * Math.Max(repeats[i], 0)).ToArray(), "Tile");
        for (int axis = 0; axis < repeats.Length; axis++)
        {
            if (repeats[axis] == 1) continue;
            if (repeats[axis] < 0) throw new ArgumentException($"Tile: repeat {repeats[axis]} of axis {axis} is negative.");
            x = repeats[axis] == 0 ? Ops.Slice(x, axis, 0, 0) : Ops.Concat(Enumerable.Repeat(x, (int)repeats[axis]).ToArray(), axis);
        }
        return x;
    }
}
