using System.Numerics.Tensors;
using DeepSharp.Kernels;

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

    // A restricted pass (BackwardTo) delivers gradients only to tensors stamped with t_captureStamp: into
    // t_captureResults when set, else into their Grad. Gradients reaching any other leaf are dropped.
    [ThreadStatic] private static int t_captureStamp;
    [ThreadStatic] private static int t_lastStamp;
    [ThreadStatic] private static Tensor?[]? t_captureResults;

    // Readiness of the sources for an IGradientReadyListener: the position in the execution order after which each
    // source receives nothing more, and the sources sorted by it (t_readyCount of them told so far).
    [ThreadStatic] private static IGradientReadyListener? t_listener;
    [ThreadStatic] private static int[]? t_finalAfter;
    [ThreadStatic] private static int[]? t_readyOrder;
    [ThreadStatic] private static int t_readyCount;
    [ThreadStatic] private static int t_sourceCount;
    [ThreadStatic] private static bool t_readyPlanned;

    /// <summary>
    /// Backward from <paramref name="root"/> that delivers gradients to <paramref name="sources"/> alone:
    /// into <paramref name="results"/> (same order) when given, else added to their <see cref="Tensor.Grad"/>.
    /// Other leaves, even those that require grad, receive nothing. A non-scalar root without a gradient is
    /// seeded with ones (the gradient of its sum), as Keras' <c>tape.gradient</c>. <paramref name="listener"/> hears of each
    /// source as soon as its gradient is complete (every source once, the last ones when the pass ends).
    /// </summary>
    internal static void BackwardTo(Tensor root, Tensor? gradient, bool retainGraph, IReadOnlyList<Tensor> sources, Tensor?[]? results,
        IGradientReadyListener? listener = null)
    {
        if (t_captureStamp != 0)
            throw new InvalidOperationException("Backward: a gradient computation is already running on this thread.");
        int stamp = t_lastStamp = t_lastStamp == int.MaxValue ? 1 : t_lastStamp + 1;
        for (int i = 0; i < sources.Count; i++)
        {
            var source = sources[i];
            source._captureStamp = stamp;
            source._captureIndex = i;
        }
        Tensor? ones = null;
        if (gradient is null && root.Size != 1 && root._requiresGrad)
        {
            using (TensorScope.Suspend()) ones = Filled(root._shape, 1f);
            gradient = ones;
        }
        t_captureStamp = stamp;
        t_captureResults = results;
        t_listener = listener;
        t_sourceCount = sources.Count;
        t_readyCount = 0;
        try
        {
            Backward(root, gradient, retainGraph);
            if (listener is not null) TellReady(int.MinValue); // the sources backward never reached: nothing more comes
        }
        finally
        {
            t_captureStamp = 0;
            t_captureResults = null;
            t_listener = null;
            t_readyPlanned = false;
            RestoreSkipped(); // also when a rule threw
            ones?.Recycle();
        }
        if (results is null) return;
        // A source listed twice was stamped with its last index; give the earlier places a copy.
        for (int i = 0; i < sources.Count; i++)
        {
            int owner = sources[i]._captureIndex;
            if (owner != i && results[owner] is { } shared)
                using (TensorScope.Suspend()) results[i] = CopyOf(shared);
        }
    }

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

        if (t_captureStamp != 0 && t_captureResults is { } results && root._captureStamp == t_captureStamp)
            AddToResult(results, root._captureIndex, CopyOf(seed));
        var order = TopologicalOrder(root._node);
        if (t_captureStamp != 0) SkipUnneeded(order);
        var listener = t_listener;
        if (listener is not null) FindLastConsumers(order);
        root._node.PendingGradient = seed;
        if (OpTimeline.Enabled) OpTimeline.Mark("order of the graph", 'B');
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
                if (OpTimeline.Enabled) OpTimeline.Mark(node, backward: true);
            }
            if (!retainGraph) node.Release();
            if (listener is not null) TellReady(i);
        }
        order.Clear();
        RestoreSkipped();
    }

    /// <summary>
    /// For a listener: the last node, in execution order (the lowest position in the topological order), that has each
    /// source as an input. A source's gradient is complete once that node has run. Sources no node reads stay at
    /// <see cref="int.MinValue"/> and are told when the pass ends.
    /// </summary>
    private static void FindLastConsumers(List<Node> order)
    {
        int count = t_sourceCount, stamp = t_captureStamp;
        var finalAfter = t_finalAfter is { } f && f.Length >= count ? f : t_finalAfter = new int[Math.Max(count, 16)];
        var readyOrder = t_readyOrder is { } r && r.Length >= count ? r : t_readyOrder = new int[Math.Max(count, 16)];
        finalAfter.AsSpan(0, count).Fill(int.MinValue);
        t_readyPlanned = true;
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            for (int j = 0; j < node.InputCount; j++)
            {
                var input = node.Input(j);
                if (input._captureStamp == stamp) finalAfter[input._captureIndex] = i; // lower positions run later
            }
        }
        // Sources by the position after which they are complete, highest first (the order they become ready in).
        for (int k = 0; k < count; k++)
        {
            int m = k;
            while (m > 0 && finalAfter[readyOrder[m - 1]] < finalAfter[k])
            {
                readyOrder[m] = readyOrder[m - 1];
                m--;
            }
            readyOrder[m] = k;
        }
    }

    /// <summary>Tells the listener of every source not yet told whose last consumer sits at <paramref name="position"/> or above.</summary>
    private static void TellReady(int position)
    {
        var listener = t_listener!;
        int count = t_sourceCount;
        var finalAfter = t_finalAfter;
        var readyOrder = t_readyOrder;
        if (!t_readyPlanned || finalAfter is null || readyOrder is null)
        {
            // The root had no graph behind it: every source is complete.
            for (; t_readyCount < count; t_readyCount++) listener.GradientReady(t_readyCount);
            return;
        }
        while (t_readyCount < count && finalAfter[readyOrder[t_readyCount]] >= position)
            listener.GradientReady(readyOrder[t_readyCount++]);
    }

    [ThreadStatic] private static List<Tensor>? t_skipped;

    /// <summary>
    /// In a restricted pass, switches off (for this pass) every input through which no gradient reaches a chosen
    /// tensor: leaves not chosen and results of nodes that lead only to such leaves. Backward rules test
    /// <c>RequiresGrad</c> before computing an input's gradient, so a generator step through a discriminator
    /// never computes the discriminator's weight gradients.
    /// </summary>
    private static void SkipUnneeded(List<Node> order)
    {
        var skipped = t_skipped ??= new List<Tensor>(64);
        int stamp = t_captureStamp;
        // Forward over the topological order: a node's inputs are decided before the node itself.
        for (int i = 0; i < order.Count; i++)
        {
            var node = order[i];
            bool needed = false;
            for (int j = 0; j < node.InputCount; j++)
            {
                var input = node.Input(j);
                if (!input._requiresGrad) continue;
                bool wanted = input._captureStamp == stamp || (input._node is { } child && child.Needed);
                if (wanted) needed = true;
                else
                {
                    input._requiresGrad = false;
                    skipped.Add(input);
                }
            }
            node.Needed = needed;
        }
    }

    /// <summary>Gives back RequiresGrad to the tensors a restricted pass switched off.</summary>
    private static void RestoreSkipped()
    {
        var skipped = t_skipped;
        if (skipped is null || skipped.Count == 0) return;
        for (int i = 0; i < skipped.Count; i++) skipped[i]._requiresGrad = true;
        skipped.Clear();
    }

    /// <summary>
    /// Nodes reachable from <paramref name="root"/>, each after all the nodes it depends on. For backward
    /// (<paramref name="forRelease"/> false) an input freed or reused since it was recorded, or a graph already
    /// released, is an error; for releasing a kept graph such inputs are simply not followed.
    /// </summary>
    private static List<Node> TopologicalOrder(Node root, bool forRelease = false)
    {
        var order = t_order ??= new List<Node>(256);
        var stack = t_stack ??= new Stack<(Node, int)>(256);
        // A traversal that threw (a freed input) left its stack and order behind: they must not leak into this one.
        order.Clear();
        stack.Clear();
        int epoch = ++t_epoch;
        root.VisitEpoch = epoch;
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next >= node.InputCount)
            {
                order.Add(node);
                continue;
            }
            stack.Push((node, next + 1));
            var input = node.Input(next);
            if (forRelease && (input._disposed || !node.InputIsCurrent(next))) continue;
            if (!forRelease) CheckAlive(node, next, input);
            var child = input._node;
            if (child is not null && child.VisitEpoch != epoch)
            {
                child.VisitEpoch = epoch;
                stack.Push((child, 0));
            }
        }
        return order;
    }

    /// <summary>Throws when input <paramref name="index"/> of <paramref name="node"/> can no longer be differentiated through.</summary>
    private static void CheckAlive(Node node, int index, Tensor input)
    {
        input.ThrowIfDisposed();
        if (!node.InputIsCurrent(index))
            throw new ObjectDisposedException(nameof(Tensor),
                $"Backward: an input of '{node.OpName}' was disposed (its TensorScope ended) after the graph was recorded. " +
                "Run Backward inside the scope that computed the forward pass, or compute the forward pass outside the scope.");
        if (input._node is null && input._madeByOp && input._requiresGrad) ThrowReleased(input, node.OpName);
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
            // An intermediate tensor asked for by a tape: it gets a copy, and the gradient flows on.
            if (t_captureStamp != 0 && t_captureResults is { } results && input._captureStamp == t_captureStamp)
                AddToResult(results, input._captureIndex, CopyOf(gradient));
            node.PendingGradient = node.PendingGradient is null ? gradient : Sum(node.PendingGradient, gradient);
            return;
        }
        if (input._madeByOp) ThrowReleased(input, "Backward");
        AccumulateIntoLeaf(input, gradient);
    }

    /// <summary>
    /// The gradient already pending for <paramref name="input"/> (an intermediate tensor with other consumers, such as
    /// a residual stream), when a rule may add its own gradient for it into that tensor in place and skip
    /// <see cref="Accumulate"/>: the sum Accumulate would make, without a pass of its own. Null when there is none yet, or
    /// it is shared, strided or of another shape, or a tape asked for the input's gradient (it gets each part apart).
    /// </summary>
    internal static Tensor? PendingToAddInto(Tensor input)
    {
        var node = input._node;
        if (!input._requiresGrad || node is null || node.PendingGradient is not { } pending) return null;
        if (t_captureStamp != 0 && input._captureStamp == t_captureStamp) return null;
        return IsExclusive(pending) && pending._shape == input._shape ? pending : null;
    }

    /// <summary>
    /// A contiguous tensor of <paramref name="input"/>'s shape for a rule to write that input's whole gradient into
    /// (overwriting it) and hand to <see cref="Accumulate"/>. When the gradient is bound to become the leaf's
    /// <see cref="Tensor.Grad"/>, this is the buffer the last ZeroGrad set aside: the rule writes straight into
    /// it and no copy follows (for a 784 × 128 kernel, 400 KB a step).
    /// </summary>
    internal static Tensor NewGradient(Tensor input)
    {
        var spare = input._spareGrad;
        if (spare is not null && input._grad is null && input._node is null && !input._madeByOp && input._requiresGrad &&
            spare._shape == input._shape && IsExclusive(spare) && (t_captureStamp == 0 || (input._captureStamp == t_captureStamp && t_captureResults is null)))
        {
            input._spareGrad = null;
            return spare;
        }
        return Tensor.Uninitialized(input._shape);
    }

    private static void AccumulateIntoLeaf(Tensor leaf, Tensor gradient)
    {
        if (t_captureStamp != 0)
        {
            if (leaf._captureStamp != t_captureStamp)
            {
                gradient.Recycle(); // not asked for: a frozen model's weights keep their Grad as it was
                return;
            }
            if (t_captureResults is { } results)
            {
                AddToResult(results, leaf._captureIndex, gradient);
                return;
            }
        }
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

    private static void AddToResult(Tensor?[] results, int index, Tensor gradient)
    {
        var current = results[index];
        if (current is null) results[index] = IsExclusive(gradient) ? gradient : TakeCopy(gradient);
        else
        {
            AddInPlace(current, gradient);
            gradient.Recycle();
        }
    }

    /// <summary>Gives the nodes of a graph kept by <c>retainGraph</c> back to the pool.</summary>
    internal static void ReleaseGraph(Tensor root)
    {
        if (root._node is null) return;
        var order = TopologicalOrder(root._node, forRelease: true);
        for (int i = order.Count - 1; i >= 0; i--) order[i].Release();
        order.Clear();
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

    private static unsafe void AddInPlace(Tensor target, Tensor addend)
    {
        // Split over the threads when long (a residual connection's gradient): elementwise, so the same bits.
        if (addend._isContiguous) ParallelSpans.Binary<AddOperator>(target.Pointer, addend.Pointer, target.Pointer, target._size);
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
