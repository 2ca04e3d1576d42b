using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// The math of one recurrent cell's step (forward or backward) over a run of columns of one row, written once
/// over lanes and compiled per pair of activations: TA for the candidate and output, TR for the gates.
/// Picking the pair and the width once per call, not per element, keeps the activation math inlined in the
/// vector loop.
/// </summary>
internal interface IGatePass<TArgs> where TArgs : struct
{
    /// <summary>Columns of <paramref name="row"/> from <paramref name="column"/> on, in whole groups of TL; returns where it stopped.</summary>
    /// <remarks>
    /// Implementations are NoInlining and AggressiveOptimization: inlined into the row loop, the many small lane
    /// helpers exhaust the JIT's inlining budget and stay calls.
    /// </remarks>
    static abstract int Columns<TL, TA, TR>(in TArgs args, int row, int column)
        where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction;

    /// <summary>A row the step mask skips: keep the previous state (forward), or let no gradient through the gates (backward).</summary>
    static abstract void SkipRow(in TArgs args, int row);
}

/// <summary>
/// The one row loop and width dispatch of every gate pass: picks the activation types and the lanes, then runs
/// each row's columns in vector groups and the rest one lane at a time, on the calling thread (the recurrent
/// loop already gives each worker its own rows for the whole sequence; see <see cref="RecurrentLoop"/>).
/// </summary>
internal static unsafe class GatePass
{
    /// <param name="args">The step's buffers.</param>
    /// <param name="rows">Rows of the batch part.</param>
    /// <param name="mask">The step mask, row b at b·<paramref name="maskStride"/> (0 = skip), or null.</param>
    /// <param name="maskStride">Distance between rows in <paramref name="mask"/>.</param>
    /// <param name="activation">The candidate and output activation.</param>
    /// <param name="recurrentActivation">The gates' activation.</param>
    internal static void Run<TP, TArgs>(in TArgs args, int rows, float* mask, int maskStride, GateFunctionKind activation, GateFunctionKind recurrentActivation)
        where TP : struct, IGatePass<TArgs> where TArgs : struct
    {
        var loop = new RowLoop(rows, mask, maskStride);
        switch (activation)
        {
            case GateFunctionKind.Tanh: Recurrent<TP, TArgs, TanhGate>(args, loop, recurrentActivation); break;
            case GateFunctionKind.Sigmoid: Recurrent<TP, TArgs, SigmoidGate>(args, loop, recurrentActivation); break;
            case GateFunctionKind.Relu: Recurrent<TP, TArgs, ReluGate>(args, loop, recurrentActivation); break;
            case GateFunctionKind.HardSigmoid: Recurrent<TP, TArgs, HardSigmoidGate>(args, loop, recurrentActivation); break;
            default: Recurrent<TP, TArgs, LinearGate>(args, loop, recurrentActivation); break;
        }
    }

    private static void Recurrent<TP, TArgs, TA>(in TArgs args, in RowLoop loop, GateFunctionKind recurrent)
        where TP : struct, IGatePass<TArgs> where TArgs : struct where TA : struct, IGateFunction
    {
        switch (recurrent)
        {
            case GateFunctionKind.Sigmoid: Width<TP, TArgs, TA, SigmoidGate>(args, loop); break;
            case GateFunctionKind.Tanh: Width<TP, TArgs, TA, TanhGate>(args, loop); break;
            case GateFunctionKind.Relu: Width<TP, TArgs, TA, ReluGate>(args, loop); break;
            case GateFunctionKind.HardSigmoid: Width<TP, TArgs, TA, HardSigmoidGate>(args, loop); break;
            default: Width<TP, TArgs, TA, LinearGate>(args, loop); break;
        }
    }

    private static void Width<TP, TArgs, TA, TR>(in TArgs args, in RowLoop loop)
        where TP : struct, IGatePass<TArgs> where TArgs : struct where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        var rows = new Rows<TP, TArgs, TA, TR>(args, loop);
        LaneKernel.Run(ref rows);
    }

    /// <summary>Each row's columns in groups of the width's lanes, the rest one lane at a time; masked rows skipped.</summary>
    private readonly struct Rows<TP, TArgs, TA, TR>(TArgs args, RowLoop loop) : ILaneKernel
        where TP : struct, IGatePass<TArgs> where TArgs : struct where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        public void Run<TL>() where TL : struct, ILanes<TL>
        {
            for (int b = 0; b < loop.Rows; b++)
            {
                if (loop.Skips(b))
                {
                    TP.SkipRow(args, b);
                    continue;
                }
                int j = TP.Columns<TL, TA, TR>(args, b, 0);
                TP.Columns<Lane1, TA, TR>(args, b, j);
            }
        }
    }

    private readonly struct RowLoop(int rows, float* mask, int maskStride)
    {
        public int Rows => rows;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Skips(int row) => mask != null && mask[(long)row * maskStride] == 0f;
    }
}
