using System.Numerics.Tensors;

namespace DeepSharp;

/// <summary>
/// Runs reverse-mode differentiation: orders the graph behind a tensor, calls each node's backward rule
/// once its output gradient is complete, sums gradients flowing into the same tensor, and releases the
/// graph afterwards (unless asked to keep it). Gradient temporaries are pooled and given back as soon as
/// they are consumed.
/// </summary>
internal static class GradientEngine
{
    [ThreadStatic] private static List<Node>? t_order;
    [ThreadStatic] private static Stack<(Node Node, int NextInput)>? t_stack;
    [ThreadStatic] private static int t_epoch;

    internal static void Backward(Tensor root, Tensor? gradient, bool retainGraph)
    {
        root.ThrowIfDisposed();
        if (gradient is null && root.Size != 1)
            throw new InvalidOperationException(
                $"Backward: the tensor has shape {root._shape}; backward without an explicit gradient needs a scalar " +
                "(one element). Reduce it first (Sum, Mean) or pass a gradient of the same shape.");
        if (gradient is not null && gradient.Shape != root._shape)
            throw new ArgumentException(
                $"Backward: the gradient has shape {gradient.Shape} but the tensor has shape {root._shape}.", nameof(gradient));
        if (!root._requiresGrad)
            throw new InvalidOperationException(
                "Backward: the tensor does not require grad and has no graph behind it. Set RequiresGrad on the " +
                "leaf tensors (weights) before computing it, outside Autograd.NoGrad().");
        if (root._node is null && root._madeByOp) ThrowReleased(root, "Backward");

        using var noGrad = Autograd.NoGrad();
        using var unscoped = TensorScope.Suspend();
        var seed = gradient is null ? Filled(root._shape, 1f) : CopyOf(gradient);
        if (root._node is null)
        {
            AccumulateIntoLeaf(root, seed);
            return;
        }

        var order = TopologicalOrder(root._node);
        root._node.PendingGradient = seed;
        // Reverse topological order: a node runs only after every consumer of its output has run.
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            var outputGradient = node.PendingGradient;
            node.PendingGradient = null;
            if (outputGradient is not null)
            {
                node.Rule(node, outputGradient);
                outputGradient.Recycle();
            }
            if (!retainGraph) node.Release();
        }
        order.Clear();
    }

    /// <summary>Nodes reachable from <paramref name="root"/>, each after all the nodes it depends on.</summary>
    private static List<Node> TopologicalOrder(Node root)
    {
        var order = t_order ??= new List<Node>(256);
        var stack = t_stack ??= new Stack<(Node, int)>(256);
        int epoch = ++t_epoch;
        root.VisitEpoch = epoch;
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node.InputCount)
            {
                stack.Push((node, next + 1));
                var input = node.Input(next);
                input.ThrowIfDisposed();
                if (!node.InputIsCurrent(next))
                    throw new ObjectDisposedException(nameof(Tensor),
                        $"Backward: an input of '{node.OpName}' was disposed (its TensorScope ended) after the graph was recorded. " +
                        "Run Backward inside the scope that computed the forward pass, or compute the forward pass outside the scope.");
                var child = input._node;
                if (child is null)
                {
                    if (input._madeByOp && input._requiresGrad) ThrowReleased(input, node.OpName);
                }
                else if (child.VisitEpoch != epoch)
                {
                    child.VisitEpoch = epoch;
                    stack.Push((child, 0));
                }
            }
            else
            {
                order.Add(node);
            }
        }
        return order;
    }

    /// <summary>
    /// Adds <paramref name="gradient"/> (owned by the caller, handed over here) to what flows into
    /// <paramref name="input"/>. A gradient of a broadcast shape is first summed down to the input's shape.
    /// </summary>
    internal static void Accumulate(Tensor input, Tensor gradient)
    {
        if (!input._requiresGrad)
        {
            gradient.Recycle();
            return;
        }
        if (gradient._shape != input._shape) gradient = ReduceTo(gradient, input._shape);
        var node = input._node;
        if (node is not null)
        {
            node.PendingGradient = node.PendingGradient is null ? gradient : Sum(node.PendingGradient, gradient);
            return;
        }
        if (input._madeByOp) ThrowReleased(input, "Backward");
        AccumulateIntoLeaf(input, gradient);
    }

    private static void AccumulateIntoLeaf(Tensor leaf, Tensor gradient)
    {
        if (leaf._grad is not null)
        {
            AddInPlace(leaf._grad, gradient);
            gradient.Recycle();
            return;
        }
        var spare = leaf._spareGrad;
        leaf._spareGrad = null;
        if (spare is not null && spare._shape == leaf._shape)
        {
            CopyInto(spare, gradient);
            gradient.Recycle();
            leaf._grad = spare;
        }
        else
        {
            spare?.Recycle();
            leaf._grad = IsExclusive(gradient) ? gradient : TakeCopy(gradient);
        }
        NameGradient(leaf);
    }

    /// <summary>Names a leaf's gradient "name.grad", building the string only when it changed (a training step allocates nothing).</summary>
    private static void NameGradient(Tensor leaf)
    {
        var grad = leaf._grad!;
        string? name = leaf.Name, current = grad.Name;
        if (name is null) grad.Name = null;
        else if (current is null || current.Length != name.Length + 5 || !current.StartsWith(name, StringComparison.Ordinal) ||
                 !current.EndsWith(".grad", StringComparison.Ordinal))
            grad.Name = name + ".grad";
    }

    /// <summary>A view of <paramref name="gradient"/> for a second consumer: no copy, shared storage.</summary>
    internal static Tensor Share(Tensor gradient) =>
        Tensor.View(gradient, gradient._shape, gradient.Strides, gradient._offset);

    private static Tensor Sum(Tensor pending, Tensor gradient)
    {
        if (IsExclusive(pending))
        {
            AddInPlace(pending, gradient);
            gradient.Recycle();
            return pending;
        }
        if (IsExclusive(gradient))
        {
            AddInPlace(gradient, pending);
            pending.Recycle();
            return gradient;
        }
        var sum = TakeCopy(pending);
        AddInPlace(sum, gradient);
        gradient.Recycle();
        return sum;
    }

    /// <summary>Whether a tensor can be written in place: contiguous and the only user of its storage.</summary>
    private static bool IsExclusive(Tensor t) => t._isContiguous && t.Storage.References == 1;

    private static void AddInPlace(Tensor target, Tensor addend)
    {
        if (addend._isContiguous) TensorPrimitives.Add(target.Span, addend.Span, target.Span);
        else
        {
            // Recycle, not Dispose: Dispose does not return the Tensor object to its pool, so every
            // non-contiguous addend (a gradient view from transpose, slice, expand) cost a new object.
            var contiguous = addend.ContiguousCopy();
            TensorPrimitives.Add(target.Span, contiguous.Span, target.Span);
            contiguous.Recycle();
        }
    }

    private static void CopyInto(Tensor target, Tensor source) => source.CopyTo(target.Span);

    /// <summary>A contiguous copy that takes over from <paramref name="source"/> (which is recycled).</summary>
    private static Tensor TakeCopy(Tensor source)
    {
        var copy = Tensor.Uninitialized(source._shape);
        source.CopyTo(copy.Span);
        source.Recycle();
        return copy;
    }

    private static Tensor CopyOf(Tensor source)
    {
        var copy = Tensor.Uninitialized(source._shape);
        source.CopyTo(copy.Span);
        return copy;
    }

    private static Tensor Filled(in TensorShape shape, float value)
    {
        var t = Tensor.Uninitialized(shape);
        t.Span.Fill(value);
        return t;
    }

    private static Tensor ReduceTo(Tensor gradient, in TensorShape shape)
    {
        var reduced = gradient.SumToShape(shape);
        gradient.Recycle();
        return reduced;
    }

    private static void ThrowReleased(Tensor tensor, string op) => throw new InvalidOperationException(
        $"{op}: the graph behind the tensor of shape {tensor._shape} made by '{tensor._producer}' was already released by an earlier Backward. " +
        "Call Backward(retainGraph: true) the first time to go through the same graph twice, or recompute the forward pass.");
}
