using System.Runtime.CompilerServices;

namespace DeepSharp;

/// <summary>How a node pushes the gradient of its output back to its inputs.</summary>
internal delegate void BackwardRule(Node node, Tensor outputGradient);

/// <summary>
/// One recorded operation of the autograd graph: the op's name, its backward rule, its inputs, and what the op
/// saved for backward: a small struct of its own (<see cref="Save{T}"/>, read back with <see cref="State{T}"/>)
/// and up to three tensors made for backward alone (<see cref="Keep"/>). Nodes are pooled and the struct is
/// stored inline, so recording an op allocates nothing.
/// </summary>
internal sealed class Node
{
    /// <summary>The largest state an op may save: a convolution's whole geometry and its fused activation fit.</summary>
    internal const int StateCapacity = 96;

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

    /// <summary>
    /// Set by an op whose backward rule never reads <see cref="Output"/>'s values (a linear Dense): once no other op reads
    /// them either, the output's buffer may take another value of the same shape (a residual sum).
    /// </summary>
    internal bool OutputUnread;

    // What the op saved: the bytes of one unmanaged struct and its type (checked when read back), and the
    // tensors it made for backward alone (a dropout mask, pooling indices), disposed with the node.
    private StateBytes _state;
    private Type? _stateType;
    private Tensor? _kept0, _kept1, _kept2;

    [InlineArray(StateCapacity / sizeof(long))]
    private struct StateBytes
    {
        private long _word;
    }

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
        if (!WillRecord(a, b, c)) return null;
        var node = Rent(opName, rule, output);
        node.A = a;
        node.B = b;
        node.C = c;
        node.ManyInputs = false;
        node.InputCount = c != null ? 3 : b != null ? 2 : 1;
        a._recordedReaders++;
        if (b != null) b._recordedReaders++;
        if (c != null) c._recordedReaders++;
        node.InputGenerations[0] = a._generation;
        node.InputGenerations[1] = b?._generation ?? 0;
        node.InputGenerations[2] = c?._generation ?? 0;
        if (OpTimeline.Enabled) OpTimeline.Mark(node, backward: false);
        return node;
    }

    /// <summary>Whether <see cref="Record"/> would record an op of these inputs (an op may keep less for a forward without backward).</summary>
    internal static bool WillRecord(Tensor a, Tensor? b = null, Tensor? c = null) =>
        Autograd.IsGradEnabled && (a._requiresGrad || (b != null && b._requiresGrad) || (c != null && c._requiresGrad));

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
        foreach (var input in inputs) input._recordedReaders++;
        for (int i = 0; i < Math.Min(inputs.Length, TensorShape.MaxRank); i++) node.InputGenerations[i] = inputs[i]._generation;
        node.ManyInputs = true;
        node.InputCount = inputs.Length;
        if (OpTimeline.Enabled) OpTimeline.Mark(node, backward: false);
        return node;
    }

    private static Node Rent(string opName, BackwardRule rule, Tensor output)
    {
        var node = (t_pool != null && t_pool.TryPop(out var pooled)) ? pooled : new Node();
        node.OpName = opName;
        node.Rule = rule;
        node.Output = output;
        node.OutputUnread = false;
        output._requiresGrad = true;
        output._node = node;
        output._producer = opName;
        return node;
    }

    /// <summary>Keeps <paramref name="state"/> (what backward needs to know: axes, geometry, flags) in the node.</summary>
    internal void Save<T>(in T state) where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() > StateCapacity) ThrowTooLarge(typeof(T), Unsafe.SizeOf<T>());
        Unsafe.As<StateBytes, T>(ref _state) = state;
        _stateType = typeof(T);
    }

    /// <summary>The state the op saved with <see cref="Save{T}"/>; <typeparamref name="T"/> must be the type it saved.</summary>
    internal ref readonly T State<T>() where T : unmanaged
    {
        if (_stateType != typeof(T)) ThrowWrongState(typeof(T));
        return ref Unsafe.As<StateBytes, T>(ref _state);
    }

    /// <summary>
    /// Hands tensors made for backward alone to the node: they leave the current <see cref="TensorScope"/> and are
    /// recycled with the node. Null entries are allowed (an optional mask).
    /// </summary>
    internal void Keep(Tensor? first, Tensor? second = null, Tensor? third = null)
    {
        _kept0 = first is null ? null : TensorScope.Keep(first);
        _kept1 = second is null ? null : TensorScope.Keep(second);
        _kept2 = third is null ? null : TensorScope.Keep(third);
    }

    /// <summary>The tensors given to <see cref="Keep"/>, in order.</summary>
    internal (Tensor? First, Tensor? Second, Tensor? Third) Kept => (_kept0, _kept1, _kept2);

    private void ThrowTooLarge(Type type, int size) => throw new InvalidOperationException(
        $"'{OpName}' saves a {type.Name} of {size} bytes for backward; a node holds at most {StateCapacity}.");

    private void ThrowWrongState(Type type) => throw new InvalidOperationException(
        $"The backward rule of '{OpName}' reads a {type.Name} but the op saved {(_stateType is null ? "nothing" : "a " + _stateType.Name)}.");

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
        _kept0?.Recycle();
        _kept1?.Recycle();
        _kept2?.Recycle();
        PendingGradient?.Recycle();
        _kept0 = _kept1 = _kept2 = PendingGradient = null;
        _stateType = null;
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
