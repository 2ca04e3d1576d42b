using System.Runtime.CompilerServices;
using DeepSharp.Kernels;

namespace DeepSharp;

// Shape ops. Where the result can be described by strides over the input's storage it is a view (no copy);
// its backward rule maps the gradient back to the input's layout, again as a view where it can.
public static unsafe partial class Ops
{
    // ---- reshape: dx = g reshaped back -----------------------------------------------------------------

    /// <summary>
    /// The same elements with another shape of the same size; one dimension may be -1 and is inferred.
    /// A view of a contiguous input; a non-contiguous input is copied first.
    /// </summary>
    /// <remarks>For languages without span parameters (F#); C# binds to the span overload.</remarks>
    [OverloadResolutionPriority(-1)] // C# takes the span overload
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return Reshape(x, (ReadOnlySpan<int>)shape);
    }

    /// <summary>
    /// The same elements with another shape of the same size; one dimension may be -1 and is inferred.
    /// A view of a contiguous input; a non-contiguous input is copied first.
    /// </summary>
    [OverloadResolutionPriority(1)] // [2, -1] is a span of dimensions, not a TensorShape (which cannot hold -1)
    public static Tensor Reshape(Tensor x, params ReadOnlySpan<int> shape)
    {
        x.ThrowIfDisposed();
        return ReshapeTo(x, ResolveShape(x, shape), "reshape");
    }

    /// <summary>The same elements with <paramref name="shape"/>, which must hold as many; see <see cref="Reshape(Tensor, ReadOnlySpan{int})"/>.</summary>
    public static Tensor Reshape(Tensor x, TensorShape shape) => Reshape(x, shape.Dims);

    /// <summary>
    /// Merges axes <paramref name="startAxis"/> to <paramref name="endAxis"/> (inclusive) into one, as
    /// PyTorch's <c>flatten</c>: by default everything becomes 1-D; <c>Flatten(x, 1)</c> keeps the batch axis,
    /// as Keras' Flatten layer. A scalar becomes a tensor of one element.
    /// </summary>
    public static Tensor Flatten(Tensor x, int startAxis = 0, int endAxis = -1)
    {
        x.ThrowIfDisposed();
        var shape = x._shape;
        if (shape.Rank == 0) return ReshapeTo(x, new TensorShape(1), "flatten");
        int start = NormalizeAxis("Flatten", "startAxis", startAxis, shape);
        int end = NormalizeAxis("Flatten", "endAxis", endAxis, shape);
        if (start > end)
            throw new ArgumentException($"Flatten: startAxis {startAxis} comes after endAxis {endAxis} for a tensor of shape {shape}.", nameof(startAxis));
        Span<int> dims = stackalloc int[shape.Rank];
        int rank = 0;
        for (int d = 0; d < start; d++) dims[rank++] = shape[d];
        int merged = 1;
        for (int d = start; d <= end; d++) merged *= shape[d];
        dims[rank++] = merged;
        for (int d = end + 1; d < shape.Rank; d++) dims[rank++] = shape[d];
        return ReshapeTo(x, new TensorShape(dims[..rank]), "flatten");
    }

    /// <summary>Reshape to a validated shape of the same size, recording the op under <paramref name="name"/>.</summary>
    private static Tensor ReshapeTo(Tensor x, in TensorShape shape, string name)
    {
        Tensor y;
        if (x._isContiguous) y = Tensor.ContiguousView(x, shape);
        else
        {
            y = Tensor.Uninitialized(shape);
            x.CopyTo(y.Span);
        }
        Node.Record(name, ReshapeBackward, y, x);
        return y;
    }

    private static void ReshapeBackward(Node n, Tensor g) => GradientEngine.Accumulate(n.A!, WithShape(g, n.A!._shape));

    /// <summary><paramref name="g"/>'s values with another shape of the same size: a view when g is contiguous, else a copy.</summary>
    private static Tensor WithShape(Tensor g, in TensorShape shape)
    {
        if (g._isContiguous) return Tensor.ContiguousView(g, shape);
        var copy = Tensor.Uninitialized(shape);
        g.CopyTo(copy.Span);
        return copy;
    }

    /// <summary>The requested shape with its -1 inferred, or an exception that names the op and both shapes.</summary>
    private static TensorShape ResolveShape(Tensor x, ReadOnlySpan<int> shape)
    {
        if (shape.Length > TensorShape.MaxRank)
            throw new ArgumentException($"Reshape: a tensor has at most {TensorShape.MaxRank} dimensions; {shape.Length} were requested.", nameof(shape));
        int inferred = -1;
        long known = 1;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == -1)
            {
                if (inferred >= 0)
                    throw new ArgumentException($"Reshape: only one dimension can be -1; got {TensorShape.Format(shape)}.", nameof(shape));
                inferred = d;
            }
            else if (shape[d] < 0)
                throw new ArgumentException($"Reshape: dimension {d} of {TensorShape.Format(shape)} is {shape[d]}; dimensions must be non-negative (or -1 to infer one).", nameof(shape));
            else known *= shape[d];
        }
        Span<int> dims = stackalloc int[shape.Length];
        shape.CopyTo(dims);
        if (inferred >= 0)
        {
            if (known == 0 || x._size % known != 0)
                throw new ArgumentException(
                    $"Reshape: cannot reshape a tensor of shape {x._shape} ({x._size} elements) into {TensorShape.Format(shape)}: the -1 cannot be inferred.", nameof(shape));
            dims[inferred] = (int)(x._size / known);
        }
        else if (known != x._size)
            throw new ArgumentException(
                $"Reshape: cannot reshape a tensor of shape {x._shape} ({x._size} elements) into {TensorShape.Format(shape)} ({known} elements).", nameof(shape));
        return new TensorShape(dims);
    }

    // ---- transpose and permute: dx = g permuted back (a view) ------------------------------------------

    /// <summary>Swaps two axes: a view sharing storage.</summary>
    public static Tensor Transpose(Tensor x, int axis0, int axis1)
    {
        x.ThrowIfDisposed();
        int a = NormalizeAxis("Transpose", "axis0", axis0, x._shape);
        int b = NormalizeAxis("Transpose", "axis1", axis1, x._shape);
        var y = Swapped(x, a, b);
        Node.Record("transpose", TransposeBackward, y, x)?.Save((a, b));
        return y;
    }

    /// <summary>Swaps the last two axes (the matrix transpose of each matrix in a stack): a view.</summary>
    public static Tensor Transpose(Tensor x)
    {
        x.ThrowIfDisposed();
        if (x.Rank < 2)
            throw new ArgumentException($"Transpose: swapping the last two axes needs at least 2 dimensions; got shape {x._shape}.", nameof(x));
        return Transpose(x, -2, -1);
    }

    private static void TransposeBackward(Node n, Tensor g)
    {
        var (a, b) = n.State<(int, int)>(); // the swapped axes
        GradientEngine.Accumulate(n.A!, Swapped(g, a, b));
    }

    private static Tensor Swapped(Tensor x, int a, int b)
    {
        int rank = x.Rank;
        Span<int> dims = stackalloc int[rank];
        Span<int> strides = stackalloc int[rank];
        x._shape.Dims.CopyTo(dims);
        x.Strides.CopyTo(strides);
        (dims[a], dims[b]) = (dims[b], dims[a]);
        (strides[a], strides[b]) = (strides[b], strides[a]);
        return Tensor.View(x, new TensorShape(dims), strides, x._offset);
    }

    /// <summary>Reorders the axes, as <see cref="Permute(Tensor, ReadOnlySpan{int})"/>; for languages without span parameters (F#).</summary>
    [OverloadResolutionPriority(-1)] // C# takes the span overload
    public static Tensor Permute(Tensor x, params int[] axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        return Permute(x, (ReadOnlySpan<int>)axes);
    }

    /// <summary>Reorders the axes: output axis i is input axis <c>axes[i]</c> (negative axes count from the end). A view.</summary>
    public static Tensor Permute(Tensor x, params ReadOnlySpan<int> axes)
    {
        x.ThrowIfDisposed();
        int rank = x.Rank;
        if (axes.Length != rank)
            throw new ArgumentException($"Permute: a tensor of shape {x._shape} needs {rank} axes; got {TensorShape.Format(axes)}.", nameof(axes));
        Span<int> order = stackalloc int[rank];
        int seen = 0;
        for (int i = 0; i < rank; i++)
        {
            order[i] = NormalizeAxis("Permute", "axes", axes[i], x._shape);
            if ((seen & (1 << order[i])) != 0)
                throw new ArgumentException($"Permute: axis {axes[i]} appears twice in {TensorShape.Format(axes)}.", nameof(axes));
            seen |= 1 << order[i];
        }
        var y = Permuted(x, order);
        if (Node.Record("permute", PermuteBackward, y, x) is { } node)
        {
            var saved = new Dims8();
            order.CopyTo(saved);
            node.Save(saved);
        }
        return y;
    }

    private static void PermuteBackward(Node n, Tensor g)
    {
        ref readonly var order = ref n.State<Dims8>(); // output axis i was input axis order[i]
        int rank = g.Rank;
        Span<int> inverse = stackalloc int[rank];
        for (int i = 0; i < rank; i++) inverse[order[i]] = i;
        GradientEngine.Accumulate(n.A!, Permuted(g, inverse));
    }

    private static Tensor Permuted(Tensor x, ReadOnlySpan<int> order)
    {
        int rank = x.Rank;
        Span<int> dims = stackalloc int[rank];
        Span<int> strides = stackalloc int[rank];
        for (int i = 0; i < rank; i++)
        {
            dims[i] = x._shape[order[i]];
            strides[i] = x._strides[order[i]];
        }
        return Tensor.View(x, new TensorShape(dims), strides, x._offset);
    }

    // ---- squeeze and unsqueeze: views; dx = g reshaped back --------------------------------------------

    /// <summary>Removes every axis of size 1: a view.</summary>
    public static Tensor Squeeze(Tensor x)
    {
        x.ThrowIfDisposed();
        int mask = 0;
        for (int d = 0; d < x.Rank; d++)
            if (x._shape[d] == 1) mask |= 1 << d;
        return WithoutAxes(x, mask, "squeeze");
    }

    /// <summary>Removes <paramref name="axis"/>, which must have size 1 (as NumPy and Keras; PyTorch ignores other sizes): a view.</summary>
    public static Tensor Squeeze(Tensor x, int axis)
    {
        x.ThrowIfDisposed();
        int a = NormalizeAxis("Squeeze", "axis", axis, x._shape);
        if (x._shape[a] != 1)
            throw new ArgumentException($"Squeeze: axis {axis} of a tensor of shape {x._shape} has size {x._shape[a]}; only axes of size 1 can be removed.", nameof(axis));
        return WithoutAxes(x, 1 << a, "squeeze");
    }

    private static Tensor WithoutAxes(Tensor x, int mask, string name)
    {
        Span<int> dims = stackalloc int[TensorShape.MaxRank];
        Span<int> strides = stackalloc int[TensorShape.MaxRank];
        int rank = 0;
        for (int d = 0; d < x.Rank; d++)
        {
            if ((mask & (1 << d)) != 0) continue;
            dims[rank] = x._shape[d];
            strides[rank++] = x._strides[d];
        }
        var y = Tensor.View(x, new TensorShape(dims[..rank]), strides[..rank], x._offset);
        Node.Record(name, ReshapeBackward, y, x);
        return y;
    }

    /// <summary>Inserts an axis of size 1 at <paramref name="axis"/> (from -(rank+1) to rank): a view.</summary>
    public static Tensor Unsqueeze(Tensor x, int axis)
    {
        x.ThrowIfDisposed();
        int rank = x.Rank;
        if (rank == TensorShape.MaxRank)
            throw new ArgumentException($"Unsqueeze: a tensor of shape {x._shape} already has the most dimensions a tensor can have ({TensorShape.MaxRank}).", nameof(x));
        int a = NormalizeAxis("Unsqueeze", "axis", axis, rank + 1, x._shape);
        Span<int> dims = stackalloc int[rank + 1];
        Span<int> strides = stackalloc int[rank + 1];
        for (int d = 0, s = 0; d <= rank; d++)
        {
            if (d == a)
            {
                dims[d] = 1;
                strides[d] = s < rank ? x._strides[s] * x._shape[s] : 1; // any stride serves a size-1 axis
                continue;
            }
            dims[d] = x._shape[s];
            strides[d] = x._strides[s++];
        }
        var y = Tensor.View(x, new TensorShape(dims), strides, x._offset);
        Node.Record("unsqueeze", ReshapeBackward, y, x);
        return y;
    }

    // ---- expand: a stride-0 view; dx = g summed over the broadcast axes (the engine does the sum) ------

    /// <summary>Broadcasts without copying, as <see cref="Expand(Tensor, ReadOnlySpan{int})"/>; for languages without span parameters (F#).</summary>
    [OverloadResolutionPriority(-1)] // C# takes the span overload
    public static Tensor Expand(Tensor x, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return Expand(x, (ReadOnlySpan<int>)shape);
    }

    /// <summary>
    /// Broadcasts <paramref name="x"/> to <paramref name="shape"/> without copying: axes of size 1 stretch
    /// (stride 0) and new axes may be added at the left; -1 keeps an existing axis' size, as PyTorch's expand.
    /// </summary>
    public static Tensor Expand(Tensor x, params ReadOnlySpan<int> shape)
    {
        x.ThrowIfDisposed();
        int rank = shape.Length, pad = rank - x.Rank;
        if (pad < 0 || rank > TensorShape.MaxRank)
            throw new ArgumentException($"Expand: cannot expand a tensor of shape {x._shape} to {TensorShape.Format(shape)}: the target needs at least {x.Rank} and at most {TensorShape.MaxRank} dimensions.", nameof(shape));
        Span<int> dims = stackalloc int[rank];
        Span<int> strides = stackalloc int[rank];
        for (int d = 0; d < rank; d++)
        {
            int want = shape[d];
            if (d < pad)
            {
                if (want < 0)
                    throw new ArgumentException($"Expand: new leading dimension {d} of {TensorShape.Format(shape)} must be given (got {want}); -1 only keeps an existing size.", nameof(shape));
                dims[d] = want;
                strides[d] = 0;
                continue;
            }
            int have = x._shape[d - pad];
            if (want == -1 || want == have)
            {
                dims[d] = have;
                strides[d] = x._strides[d - pad];
            }
            else if (have == 1 && want >= 0)
            {
                dims[d] = want;
                strides[d] = 0;
            }
            else
                throw new ArgumentException(
                    $"Expand: cannot expand a tensor of shape {x._shape} to {TensorShape.Format(shape)}: dimension {d} is {have} and only dimensions of size 1 can stretch (to {want}).", nameof(shape));
        }
        var y = Tensor.View(x, new TensorShape(dims), strides, x._offset);
        Node.Record("expand", ExpandBackward, y, x);
        return y;
    }

    private static void ExpandBackward(Node n, Tensor g) => GradientEngine.Accumulate(n.A!, GradientEngine.Share(g));

    // ---- slice: a view; dx = g placed into zeros -------------------------------------------------------

    /// <summary>
    /// Elements <paramref name="start"/>, start + step, ... below <paramref name="end"/> along
    /// <paramref name="axis"/>, as Python's <c>x[start:end:step]</c>: negative indices count from the end and
    /// out-of-range bounds are clamped. <paramref name="step"/> must be positive. A view.
    /// </summary>
    public static Tensor Slice(Tensor x, int axis, int start, int end = int.MaxValue, int step = 1)
    {
        x.ThrowIfDisposed();
        int a = NormalizeAxis("Slice", "axis", axis, x._shape);
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), step, $"Slice: step must be positive; got {step}.");
        int size = x._shape[a];
        int from = ClampIndex(start, size), to = ClampIndex(end, size);
        int length = to > from ? (to - from + step - 1) / step : 0;
        return SliceView(x, a, from, length, step);
    }

    private static int ClampIndex(int index, int size)
    {
        long i = index < 0 ? (long)index + size : index;
        return (int)Math.Clamp(i, 0, size);
    }

    /// <summary>A view of <paramref name="length"/> elements along <paramref name="axis"/> from <paramref name="start"/> every <paramref name="step"/>.</summary>
    private static Tensor SliceView(Tensor x, int axis, int start, int length, int step)
    {
        int rank = x.Rank;
        Span<int> strides = stackalloc int[rank];
        x.Strides.CopyTo(strides);
        strides[axis] *= step;
        int offset = x._offset + (length > 0 ? start * x._strides[axis] : 0);
        var y = Tensor.View(x, x._shape.With(axis, length), strides, offset);
        Node.Record("slice", SliceBackward, y, x)?.Save(new SliceSaved(axis, start, step));
        return y;
    }

    private readonly record struct SliceSaved(int Axis, int Start, int Step);

    private static void SliceBackward(Node n, Tensor g)
    {
        var x = n.A!;
        var (axis, start, step) = n.State<SliceSaved>();
        int rank = x.Rank;
        var dx = Tensor.Zeroed(x._shape);
        // Where the slice lies inside a contiguous tensor of x's shape.
        Span<int> strides = stackalloc int[rank];
        dx.Strides.CopyTo(strides);
        long offset = (long)start * strides[axis];
        strides[axis] *= step;
        if (g._size > 0) StridedCopy.Copy(g.Pointer, g.Strides, dx.Pointer + offset, strides, g._shape.Dims);
        GradientEngine.Accumulate(x, dx);
    }

    // ---- contiguous: dx = g ----------------------------------------------------------------------------

    /// <summary>
    /// The values laid out contiguously: <paramref name="x"/> itself when it already is (as PyTorch), else a
    /// copy that stays in the graph.
    /// </summary>
    public static Tensor Contiguous(Tensor x)
    {
        x.ThrowIfDisposed();
        if (x._isContiguous) return x;
        var y = x.ContiguousCopy();
        Node.Record("contiguous", ContiguousBackward, y, x);
        return y;
    }

    private static void ContiguousBackward(Node n, Tensor g) => GradientEngine.Accumulate(n.A!, GradientEngine.Share(g));

    // ---- concat and stack: dx_i = the part of g that came from input i (a view) ------------------------

    /// <summary>Joins tensors along an existing <paramref name="axis"/>; all other dimensions must agree.</summary>
    public static Tensor Concat(ReadOnlySpan<Tensor> tensors, int axis = 0)
    {
        var first = FirstOf(tensors, "Concat");
        if (first.Rank == 0) throw new ArgumentException("Concat: scalars have no axis to join along; use Stack.", nameof(tensors));
        int a = NormalizeAxis("Concat", "axis", axis, first._shape);
        int total = 0;
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i];
            t.ThrowIfDisposed();
            bool fits = t.Rank == first.Rank;
            for (int d = 0; fits && d < first.Rank; d++) fits = d == a || t._shape[d] == first._shape[d];
            if (!fits)
                throw new ArgumentException(
                    $"Concat: tensor {i} has shape {t._shape} but tensor 0 has shape {first._shape}; all dimensions except axis {axis} must agree.", nameof(tensors));
            total += t._shape[a];
        }
        var y = Tensor.Uninitialized(first._shape.With(a, total));
        var yStrides = y.Strides;
        long offset = 0;
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i];
            if (t._size > 0) StridedCopy.Copy(t.Pointer, t.Strides, y.Pointer + offset, yStrides, t._shape.Dims);
            offset += (long)t._shape[a] * yStrides[a];
        }
        Node.RecordMany("concat", ConcatBackward, y, tensors)?.Save(a);
        return y;
    }

    private static void ConcatBackward(Node n, Tensor g)
    {
        int axis = n.State<int>();
        int offset = g._offset;
        for (int i = 0; i < n.InputCount; i++)
        {
            var input = n.Inputs![i];
            if (input._requiresGrad) GradientEngine.Accumulate(input, Tensor.View(g, input._shape, g.Strides, offset));
            offset += input._shape[axis] * g._strides[axis];
        }
    }

    /// <summary>Joins tensors of one shape along a new <paramref name="axis"/> (from -(rank+1) to rank).</summary>
    public static Tensor Stack(ReadOnlySpan<Tensor> tensors, int axis = 0)
    {
        var first = FirstOf(tensors, "Stack");
        var shape = first._shape;
        if (shape.Rank == TensorShape.MaxRank)
            throw new ArgumentException($"Stack: tensors of shape {shape} already have the most dimensions a tensor can have ({TensorShape.MaxRank}).", nameof(tensors));
        int a = NormalizeAxis("Stack", "axis", axis, shape.Rank + 1, shape);
        for (int i = 0; i < tensors.Length; i++)
        {
            tensors[i].ThrowIfDisposed();
            if (tensors[i]._shape != shape)
                throw new ArgumentException($"Stack: tensor {i} has shape {tensors[i]._shape} but tensor 0 has shape {shape}; all must have the same shape.", nameof(tensors));
        }
        Span<int> dims = stackalloc int[shape.Rank + 1];
        for (int d = 0, s = 0; d <= shape.Rank; d++) dims[d] = d == a ? tensors.Length : shape[s++];
        var y = Tensor.Uninitialized(new TensorShape(dims));
        // Each input fills one index of the new axis: y's strides without that axis.
        Span<int> strides = stackalloc int[shape.Rank];
        for (int d = 0, s = 0; d <= shape.Rank; d++)
            if (d != a) strides[s++] = y._strides[d];
        for (int i = 0; i < tensors.Length; i++)
            if (shape.Size > 0) StridedCopy.Copy(tensors[i].Pointer, tensors[i].Strides, y.Pointer + (long)i * y._strides[a], strides, shape.Dims);
        Node.RecordMany("stack", StackBackward, y, tensors)?.Save(a);
        return y;
    }

    private static void StackBackward(Node n, Tensor g)
    {
        int axis = n.State<int>(), rank = g.Rank - 1;
        Span<int> strides = stackalloc int[rank];
        for (int d = 0, s = 0; d <= rank; d++)
            if (d != axis) strides[s++] = g._strides[d];
        for (int i = 0; i < n.InputCount; i++)
        {
            var input = n.Inputs![i];
            if (input._requiresGrad) GradientEngine.Accumulate(input, Tensor.View(g, input._shape, strides, g._offset + i * g._strides[axis]));
        }
    }

    private static Tensor FirstOf(ReadOnlySpan<Tensor> tensors, string op)
    {
        if (tensors.Length == 0) throw new ArgumentException($"{op}: needs at least one tensor; got none.", nameof(tensors));
        tensors[0].ThrowIfDisposed();
        return tensors[0];
    }

    // ---- split: views (slices) of the input ------------------------------------------------------------

    /// <summary>
    /// Splits along <paramref name="axis"/> into <paramref name="count"/> equal parts (the axis must divide
    /// evenly, as NumPy and Keras' <c>split</c>). Each part is a view; the array is the only allocation.
    /// </summary>
    public static Tensor[] Split(Tensor x, int count, int axis = 0)
    {
        x.ThrowIfDisposed();
        int a = NormalizeAxis("Split", "axis", axis, x._shape);
        int size = x._shape[a];
        if (count <= 0 || size % count != 0)
            throw new ArgumentException($"Split: axis {axis} of a tensor of shape {x._shape} has size {size}, which cannot be split into {count} equal parts.", nameof(count));
        var parts = new Tensor[count];
        int part = size / count;
        for (int i = 0; i < count; i++) parts[i] = SliceView(x, a, i * part, part, 1);
        return parts;
    }

    /// <summary>
    /// Splits along <paramref name="axis"/> into consecutive parts of the given <paramref name="sizes"/>,
    /// which must add up to the axis' size (as PyTorch's <c>split</c> with a list). Each part is a view.
    /// </summary>
    public static Tensor[] Split(Tensor x, ReadOnlySpan<int> sizes, int axis = 0)
    {
        x.ThrowIfDisposed();
        int a = NormalizeAxis("Split", "axis", axis, x._shape);
        long total = 0;
        foreach (int s in sizes)
        {
            if (s < 0) throw new ArgumentException($"Split: sizes must be non-negative; got {TensorShape.Format(sizes)}.", nameof(sizes));
            total += s;
        }
        if (total != x._shape[a])
            throw new ArgumentException(
                $"Split: sizes {TensorShape.Format(sizes)} add up to {total} but axis {axis} of a tensor of shape {x._shape} has size {x._shape[a]}.", nameof(sizes));
        var parts = new Tensor[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            parts[i] = SliceView(x, a, start, sizes[i], 1);
            start += sizes[i];
        }
        return parts;
    }

    // ---- gather / take: dx = g scatter-added back to the rows it came from -----------------------------

    /// <summary>
    /// The slices of <paramref name="x"/> at <paramref name="indices"/> along <paramref name="axis"/>, as
    /// NumPy's <c>take</c> and TensorFlow's <c>gather</c>: the axis is replaced by the indices. Negative indices
    /// count from the end. The gradient adds up over repeated indices.
    /// </summary>
    public static Tensor Gather(Tensor x, ReadOnlySpan<int> indices, int axis = 0) => GatherCore(x, indices, axis, "Gather");

    /// <summary>
    /// As <see cref="Gather(Tensor, ReadOnlySpan{int}, int)"/> with the indices in a float tensor of whole
    /// numbers (class labels, token ids): the result's shape is x's shape with <paramref name="axis"/>
    /// replaced by the shape of <paramref name="indices"/>.
    /// </summary>
    public static Tensor Gather(Tensor x, Tensor indices, int axis = 0) => GatherCore(x, indices, axis, "Gather");

    /// <summary>NumPy's name for <see cref="Gather(Tensor, ReadOnlySpan{int}, int)"/>.</summary>
    public static Tensor Take(Tensor x, ReadOnlySpan<int> indices, int axis = 0) => GatherCore(x, indices, axis, "Take");

    /// <summary>NumPy's name for <see cref="Gather(Tensor, Tensor, int)"/>.</summary>
    public static Tensor Take(Tensor x, Tensor indices, int axis = 0) => GatherCore(x, indices, axis, "Take");

    private static Tensor GatherCore(Tensor x, ReadOnlySpan<int> indices, int axis, string op)
    {
        x.ThrowIfDisposed();
        // The indices are kept as floats, owned by the node (outside any scope) when one is recorded.
        Tensor held;
        using (TensorScope.Suspend()) held = Tensor.Uninitialized(new TensorShape(indices.Length));
        var values = held.Span;
        for (int j = 0; j < indices.Length; j++) values[j] = indices[j];
        var y = GatherValues(x, held, axis, op, out int a);
        var node = Node.Record("gather", GatherBackward, y, x);
        if (node is null) held.Recycle();
        else
        {
            node.Save(a);
            node.Keep(held);
        }
        return y;
    }

    private static Tensor GatherCore(Tensor x, Tensor indices, int axis, string op)
    {
        x.ThrowIfDisposed();
        indices.ThrowIfDisposed();
        var contiguous = ContiguousOperand.Of(indices);
        var y = GatherValues(x, contiguous, axis, op, out int a);
        ContiguousOperand.Release(contiguous, indices);
        // The index tensor rides along as input B for backward; it never receives a gradient.
        Node.Record("gather", GatherBackward, y, x, indices)?.Save(a);
        return y;
    }

    /// <summary>Checks the indices (contiguous floats) and gathers; <paramref name="a"/> is the normalized axis.</summary>
    private static Tensor GatherValues(Tensor x, Tensor indices, int axis, string op, out int a)
    {
        a = NormalizeAxis(op, "axis", axis, x._shape);
        var shape = x._shape;
        int rank = shape.Rank - 1 + indices.Rank;
        if (rank > TensorShape.MaxRank)
            throw new ArgumentException($"{op}: indices of shape {indices._shape} into axis {axis} of shape {shape} would give {rank} dimensions; at most {TensorShape.MaxRank} are allowed.", nameof(indices));
        int size = shape[a];
        int bad = GatherKernel.FirstInvalid(indices.Pointer, indices._size, size);
        if (bad >= 0)
        {
            float v = indices.Pointer[bad];
            throw new ArgumentOutOfRangeException(nameof(indices), v, v == MathF.Floor(v)
                ? $"{op}: index {v} (at position {bad}) is out of range for axis {axis} of size {size} (shape {shape}); valid indices are {-size} to {size - 1}."
                : $"{op}: index {v} (at position {bad}) is not a whole number; indices must be integers.");
        }
        Span<int> dims = stackalloc int[rank];
        int r = 0;
        for (int d = 0; d < a; d++) dims[r++] = shape[d];
        foreach (int d in indices._shape.Dims) dims[r++] = d;
        for (int d = a + 1; d < shape.Rank; d++) dims[r++] = shape[d];
        var y = Tensor.Uninitialized(new TensorShape(dims));
        var (outer, _, inner) = SplitAround(shape, a);
        var input = ContiguousOperand.Of(x);
        if (y._size > 0) GatherKernel.Forward(input.Pointer, outer, size, inner, indices.Pointer, indices._size, y.Pointer);
        ContiguousOperand.Release(input, x);
        return y;
    }

    private static void GatherBackward(Node n, Tensor g)
    {
        var x = n.A!;
        // The indices: kept by the node when given as a span, else the op's second input.
        var held = n.Kept.First;
        var indices = held ?? ContiguousOperand.Of(n.B!);
        var (outer, size, inner) = SplitAround(x._shape, n.State<int>());
        var gradient = ContiguousOperand.Of(g);
        var dx = Tensor.Zeroed(x._shape);
        if (gradient._size > 0) GatherKernel.Backward(gradient.Pointer, outer, size, inner, indices.Pointer, indices._size, dx.Pointer);
        ContiguousOperand.Release(gradient, g);
        if (held is null) ContiguousOperand.Release(indices, n.B!);
        GradientEngine.Accumulate(x, dx);
    }
}

/// <summary>The shape ops as members of <see cref="Tensor"/>.</summary>
public static partial class TensorMembers
{
    extension(Tensor x)
    {
        /// <summary>The same elements with another shape (one -1 is inferred); see <see cref="Ops.Reshape(Tensor, ReadOnlySpan{int})"/>.</summary>
        [OverloadResolutionPriority(1)]
        public Tensor Reshape(params ReadOnlySpan<int> shape) => Ops.Reshape(x, shape);
        /// <summary>The same elements with another shape (one -1 is inferred); for languages without span parameters (F#). See <see cref="Ops.Reshape(Tensor, ReadOnlySpan{int})"/>.</summary>
        [OverloadResolutionPriority(-1)] // C# takes the span overload
        public Tensor Reshape(params int[] shape) => Ops.Reshape(x, shape ?? throw new ArgumentNullException(nameof(shape)));
        /// <summary>The same elements with another shape; see <see cref="Ops.Reshape(Tensor, TensorShape)"/>.</summary>
        public Tensor Reshape(TensorShape shape) => Ops.Reshape(x, shape);
        /// <summary>Merges axes startAxis..endAxis into one; see <see cref="Ops.Flatten"/>.</summary>
        public Tensor Flatten(int startAxis = 0, int endAxis = -1) => Ops.Flatten(x, startAxis, endAxis);
        /// <summary>Swaps two axes (a view); see <see cref="Ops.Transpose(Tensor, int, int)"/>.</summary>
        public Tensor Transpose(int axis0, int axis1) => Ops.Transpose(x, axis0, axis1);
        /// <summary>Swaps the last two axes (a view); see <see cref="Ops.Transpose(Tensor)"/>.</summary>
        public Tensor Transpose() => Ops.Transpose(x);
        /// <summary>Reorders the axes (a view); see <see cref="Ops.Permute(Tensor, ReadOnlySpan{int})"/>.</summary>
        public Tensor Permute(params ReadOnlySpan<int> axes) => Ops.Permute(x, axes);
        /// <summary>Reorders the axes (a view); for languages without span parameters (F#). See <see cref="Ops.Permute(Tensor, ReadOnlySpan{int})"/>.</summary>
        [OverloadResolutionPriority(-1)] // C# takes the span overload
        public Tensor Permute(params int[] axes) => Ops.Permute(x, axes ?? throw new ArgumentNullException(nameof(axes)));
        /// <summary>Removes every axis of size 1; see <see cref="Ops.Squeeze(Tensor)"/>.</summary>
        public Tensor Squeeze() => Ops.Squeeze(x);
        /// <summary>Removes one axis of size 1; see <see cref="Ops.Squeeze(Tensor, int)"/>.</summary>
        public Tensor Squeeze(int axis) => Ops.Squeeze(x, axis);
        /// <summary>Inserts an axis of size 1; see <see cref="Ops.Unsqueeze"/>.</summary>
        public Tensor Unsqueeze(int axis) => Ops.Unsqueeze(x, axis);
        /// <summary>Broadcasts to a shape without copying; see <see cref="Ops.Expand(Tensor, ReadOnlySpan{int})"/>.</summary>
        public Tensor Expand(params ReadOnlySpan<int> shape) => Ops.Expand(x, shape);
        /// <summary>Broadcasts to a shape without copying; for languages without span parameters (F#). See <see cref="Ops.Expand(Tensor, ReadOnlySpan{int})"/>.</summary>
        [OverloadResolutionPriority(-1)] // C# takes the span overload
        public Tensor Expand(params int[] shape) => Ops.Expand(x, shape ?? throw new ArgumentNullException(nameof(shape)));
        /// <summary>Python's x[start:end:step] along an axis (a view); see <see cref="Ops.Slice"/>.</summary>
        public Tensor Slice(int axis, int start, int end = int.MaxValue, int step = 1) => Ops.Slice(x, axis, start, end, step);
        /// <summary>The values laid out contiguously; see <see cref="Ops.Contiguous"/>.</summary>
        public Tensor Contiguous() => Ops.Contiguous(x);
        /// <summary>Splits into equal parts along an axis; see <see cref="Ops.Split(Tensor, int, int)"/>.</summary>
        public Tensor[] Split(int count, int axis = 0) => Ops.Split(x, count, axis);
        /// <summary>Splits into parts of the given sizes; see <see cref="Ops.Split(Tensor, ReadOnlySpan{int}, int)"/>.</summary>
        public Tensor[] Split(ReadOnlySpan<int> sizes, int axis = 0) => Ops.Split(x, sizes, axis);
        /// <summary>The slices at the given indices along an axis; see <see cref="Ops.Gather(Tensor, ReadOnlySpan{int}, int)"/>.</summary>
        public Tensor Gather(ReadOnlySpan<int> indices, int axis = 0) => Ops.Gather(x, indices, axis);
        /// <summary>The slices at the indices held in a float tensor; see <see cref="Ops.Gather(Tensor, Tensor, int)"/>.</summary>
        public Tensor Gather(Tensor indices, int axis = 0) => Ops.Gather(x, indices, axis);
        /// <summary>NumPy's name for Gather.</summary>
        public Tensor Take(ReadOnlySpan<int> indices, int axis = 0) => Ops.Take(x, indices, axis);
        /// <summary>NumPy's name for Gather.</summary>
        public Tensor Take(Tensor indices, int axis = 0) => Ops.Take(x, indices, axis);
    }
}
