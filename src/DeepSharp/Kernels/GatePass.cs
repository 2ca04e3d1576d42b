namespace DeepSharp.Kernels;

/// <summary>What every recurrent step shares: its rows, the step mask and the activations.</summary>
internal unsafe struct GateRows
{
    public int Batch;
    /// <summary>The step mask, row b at b·<see cref="MaskStride"/> (0 = skip the row), or null.</summary>
    public float* Mask;
    public int MaskStride;
    /// <summary>The candidate and output activation (TA), and the gates' (TR).</summary>
    public GateFunctionKind Activation, RecurrentActivation;

    internal readonly bool Skips(int row) => Mask != null && Mask[(long)row * MaskStride] == 0f;
}

/// <summary>
/// One recurrent cell's time step, its math written once over lanes and compiled per pair of activations: TA
/// for the candidate and output, TR for the gates (picked once per call, not per element, so the activation
/// math is inlined in the vector loop).
/// </summary>
/// <remarks>
/// <see cref="Forward"/> and <see cref="Backward"/> are NoInlining and AggressiveOptimization: inlined into the
/// row loop, their many small lane helpers exhaust the JIT's inlining budget and stay calls.
/// </remarks>
internal interface IGateStep<TSelf> where TSelf : struct, IGateStep<TSelf>
{
    GateRows Rows { get; }

    /// <summary>Forward over the columns of <paramref name="row"/> from <paramref name="column"/> on, in whole groups of TL; returns where it stopped.</summary>
    static abstract int Forward<TL, TA, TR>(in TSelf step, int row, int column)
        where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction;

    /// <summary>Backward over the columns of <paramref name="row"/>, as <see cref="Forward"/>.</summary>
    static abstract int Backward<TL, TA, TR>(in TSelf step, int row, int column)
        where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction;

    /// <summary>A row the step mask skips, forward: the state carries over.</summary>
    static abstract void KeepRow(in TSelf step, int row);

    /// <summary>A row the step mask skips, backward: no gradient through the gates.</summary>
    static abstract void StopRow(in TSelf step, int row);
}

/// <summary>
/// The one row loop and width dispatch of every recurrent step: picks the activation types and the lanes, then
/// runs each row's columns in groups of lanes and the rest one lane at a time, on the calling thread (the
/// recurrent loop already gives each worker its own rows for the whole sequence; see <see cref="RecurrentLoop"/>).
/// </summary>
internal static class GatePass
{
    /// <summary>The step's forward pass over every row.</summary>
    internal static void Forward<TStep>(in TStep step) where TStep : struct, IGateStep<TStep> => Activation<TStep, Forwards>(step);

    /// <summary>The step's backward pass over every row.</summary>
    internal static void Backward<TStep>(in TStep step) where TStep : struct, IGateStep<TStep> => Activation<TStep, Backwards>(step);

    private static void Activation<TStep, TD>(in TStep step) where TStep : struct, IGateStep<TStep> where TD : struct, IDirection
    {
        switch (step.Rows.Activation)
        {
            case GateFunctionKind.Tanh: Recurrent<TStep, TD, TanhGate>(step); break;
            case GateFunctionKind.Sigmoid: Recurrent<TStep, TD, SigmoidGate>(step); break;
            case GateFunctionKind.Relu: Recurrent<TStep, TD, ReluGate>(step); break;
            case GateFunctionKind.HardSigmoid: Recurrent<TStep, TD, HardSigmoidGate>(step); break;
            default: Recurrent<TStep, TD, LinearGate>(step); break;
        }
    }

    private static void Recurrent<TStep, TD, TA>(in TStep step)
        where TStep : struct, IGateStep<TStep> where TD : struct, IDirection where TA : struct, IGateFunction
    {
        switch (step.Rows.RecurrentActivation)
        {
            case GateFunctionKind.Sigmoid: Width<TStep, TD, TA, SigmoidGate>(step); break;
            case GateFunctionKind.Tanh: Width<TStep, TD, TA, TanhGate>(step); break;
            case GateFunctionKind.Relu: Width<TStep, TD, TA, ReluGate>(step); break;
            case GateFunctionKind.HardSigmoid: Width<TStep, TD, TA, HardSigmoidGate>(step); break;
            default: Width<TStep, TD, TA, LinearGate>(step); break;
        }
    }

    private static void Width<TStep, TD, TA, TR>(in TStep step)
        where TStep : struct, IGateStep<TStep> where TD : struct, IDirection where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        var rows = new Rows<TStep, TD, TA, TR>(step);
        LaneKernel.Run(ref rows);
    }

    /// <summary>Each row's columns in groups of the width's lanes, the rest one lane at a time; masked rows skipped.</summary>
    private readonly struct Rows<TStep, TD, TA, TR>(TStep step) : ILaneKernel
        where TStep : struct, IGateStep<TStep> where TD : struct, IDirection where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        public void Run<TL>() where TL : struct, ILanes<TL>
        {
            var rows = step.Rows;
            for (int b = 0; b < rows.Batch; b++)
            {
                if (rows.Skips(b))
                {
                    if (TD.Backward) TStep.StopRow(step, b);
                    else TStep.KeepRow(step, b);
                }
                else if (TD.Backward) TStep.Backward<Lane1, TA, TR>(step, b, TStep.Backward<TL, TA, TR>(step, b, 0));
                else TStep.Forward<Lane1, TA, TR>(step, b, TStep.Forward<TL, TA, TR>(step, b, 0));
            }
        }
    }

    /// <summary>Forward or backward, as a type: the row loop is compiled for one of them.</summary>
    private interface IDirection
    {
        static abstract bool Backward { get; }
    }

    private readonly struct Forwards : IDirection
    {
        public static bool Backward => false;
    }

    private readonly struct Backwards : IDirection
    {
        public static bool Backward => true;
    }

    /// <summary>Copies row <paramref name="row"/> of a [batch, units] state from <paramref name="previous"/> to <paramref name="next"/>.</summary>
    internal static unsafe void CarryRow(float* previous, float* next, int units, int row) =>
        new Span<float>(previous + (long)row * units, units).CopyTo(new Span<float>(next + (long)row * units, units));

    /// <summary>Zeroes row <paramref name="row"/> of a [batch, width] buffer.</summary>
    internal static unsafe void ClearRow(float* buffer, int width, int row) => new Span<float>(buffer + (long)row * width, width).Clear();
}
