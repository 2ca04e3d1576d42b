namespace DeepSharp;

/// <summary>How a node pushes the gradient of its output back to its inputs.</summary>
internal delegate void BackwardRule(Node node, Tensor outputGradient);

/// <summary>
/// One recorded operation of the autograd graph: the op's name, its backward rule, its inputs and what it
/// saved for backward. Nodes are pooled and their fields are general-purpose slots (inputs A, B, C; scalars;
/// integers; owned saved tensors), so recording an op allocates nothing.
/// </summary>
internal sealed class Node
{
    internal string OpName = "";
    internal BackwardRule Rule = null!;

    /// <summary>The inputs; <see cref="Inputs"/> holds them for ops with more than three.</summary>
    internal Tensor? A, B, C;
    internal Tensor[]? Inputs;
    internal Dims8 InputGenerations; // generation of each input when recorded (first eight inputs)
    internal int InputCount;
    internal bool ManyInputs;

    /// <summary>The tensor this node produced.</summary>
    internal Tensor Output = null!;

    /// <summary>Tensors made for backward alone (a dropout mask, pooling indices); disposed with the node.</summary>
    internal Tensor? Saved0, Saved1, Saved2;

    /// <summary>Scalar arguments of the op (a slope, an exponent, an axis, ...).</summary>
    internal float Float0, Float1, Float2;
    internal int Int0, Int1, Int2, Int3;
    internal Dims8 Ints;
    internal TensorShape ShapeArgument;

    /// <summary>Gradients flowing into <see cref="Output"/>, summed while backward runs.</summary>
    internal Tensor? PendingGradient;
    internal int VisitEpoch;

    /// <summary>Set by a restricted backward pass: whether a gradient that flows through this node reaches a chosen tensor.</summary>
    internal bool Needed;

    [ThreadStatic] private static Stack<Node>? t_pool;

    // Input arrays of many-input ops are pooled apart from the nodes: which pooled node an op gets varies from
    // step to step, so arrays that stayed with their nodes would keep being allocated for nodes that had none.
    [ThreadStatic] private static Stack<Tensor[]>? t_inputArrays;

    /// <summary>
    /// Records that <paramref name="output"/> was made from the inputs by <paramref name="opName"/>, if
    /// gradients are enabled and any input requires them; returns the node, or null when nothing is recorded.
    /// </summary>
    internal static Node? Record(string opName, BackwardRule rule, Tensor output, Tensor a, Tensor? b = null, Tensor? c = null)
    {
        if (!Autograd.IsGradEnabled) return null;
        if (!(a._requiresGrad || (b != null && b._requiresGrad) || (c != null && c._requiresGrad))) return null;
        var node = Rent(opName, rule, output);
        node.A = a;
        node.B = b;
        node.C = c;
        node.ManyInputs = false;
        node.InputCount = c != null ? 3 : b != null ? 2 : 1;
        node.InputGenerations[0] = a._generation;
        node.InputGenerations[1] = b?._generation ?? 0;
        node.InputGenerations[2] = c?._generation ?? 0;
        return node;
    }

    /// <summary>Records an op with any number of inputs (concat, stack).</summary>
    internal static Node? RecordMany(string opName, BackwardRule rule, Tensor output, ReadOnlySpan<Tensor> inputs)
    {
        if (!Autograd.IsGradEnabled) return null;
        bool any = false;
        foreach (var input in inputs) any |= input._requiresGrad;
        if (!any) return null;
        var node = Rent(opName, rule, output);
        if (node.Inputs == null || node.Inputs.Length < inputs.Length)
            node.Inputs = t_inputArrays is { Count: > 0 } spare && spare.Peek().Length >= inputs.Length
                ? spare.Pop()
                : new Tensor[Math.Max(8, inputs.Length)];
        inputs.CopyTo(node.Inputs);
        for (int i = 0; i < Math.Min(inputs.Length, TensorShape.MaxRank); i++) node.InputGenerations[i] = inputs[i]._generation;
        node.ManyInputs = true;
        node.InputCount = inputs.Length;
        return node;
    }

    private static Node Rent(string opName, BackwardRule rule, Tensor output)
    {
        var node = (t_pool != null && t_pool.TryPop(out var pooled)) ? pooled : new Node();
        node.OpName = opName;
        node.Rule = rule;
        node.Output = output;
        output._requiresGrad = true;
        output._node = node;
        output._producer = opName;
        return node;
    }

    /// <summary>Input <paramref name="index"/>, whichever slot holds it.</summary>
    internal Tensor Input(int index) => ManyInputs
        ? Inputs![index]
        : index switch { 0 => A!, 1 => B!, 2 => C!, _ => throw new ArgumentOutOfRangeException(nameof(index)) };

    /// <summary>
    /// Whether input <paramref name="index"/> is still the tensor recorded: tensor objects are pooled, so an
    /// input freed with its scope may since have become another tensor.
    /// </summary>
    internal bool InputIsCurrent(int index) =>
        index >= TensorShape.MaxRank || Input(index)._generation == InputGenerations[index];

    /// <summary>Disconnects the node from its output and gives it and its saved tensors back to the pools.</summary>
    internal void Release()
    {
        if (ReferenceEquals(Output?._node, this)) Output._node = null;
        Saved0?.Recycle();
        Saved1?.Recycle();
        Saved2?.Recycle();
        PendingGradient?.Recycle();
        Saved0 = Saved1 = Saved2 = PendingGradient = null;
        A = B = C = null;
        if (ManyInputs)
        {
            Array.Clear(Inputs!, 0, InputCount);
            (t_inputArrays ??= new Stack<Tensor[]>(64)).Push(Inputs!);
            Inputs = null;
        }
        ManyInputs = false;
        InputCount = 0;
        Output = null!;
        Rule = null!;
        (t_pool ??= new Stack<Node>(256)).Push(this);
    }
}
