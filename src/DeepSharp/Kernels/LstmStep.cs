using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// One LSTM time step over a batch, Keras' gate order i, f, c, o:
/// i = σ(zᵢ), f = σ(z_f), g = act(z_c), o = σ(z_o), c = f·c₋₁ + i·g, h = o·act(c).
/// The pre-activations z (input projection + recurrent product) arrive in <see cref="Z"/>, the bias is added
/// here, and the activated gates overwrite z for backward. A masked row keeps the previous state. Backward
/// writes DZ, replaces DC by the gradient of the previous cell state, and DH by the part of the previous hidden
/// state's gradient that does not pass through the recurrent kernel (zero, or all of it on a masked row); the
/// caller adds DZ·Rᵀ. Run by <see cref="GatePass"/>.
/// </summary>
internal unsafe struct LstmStep : IGateStep<LstmStep>
{
    public GateRows Gates;
    public int Units;
    public float* Z;          // [batch, 4·units]: pre-activations in, activated gates out
    public float* Bias;       // [4·units]
    public float* CPrev, HPrev, C, H; // [batch, units]
    public float* TC;         // [batch, units]: act(c), kept from forward so backward does not compute it again

    // Backward only.
    public float* DY;         // gradient of this step's output row b at DY + b·DYStride, or null
    public int DYStride;
    public float* DH, DC;     // [batch, units]: gradients from later steps in, the part not through the recurrent kernel out
    public float* DZ;         // [batch, 4·units]: gradient of the pre-activations out
    /// <summary>
    /// The bias gradient's column sums per group of <see cref="SumGroup"/> rows, [groups, 4·units] from this step's first
    /// row's group, to which DZ's rows are added as they are written (in row order: the bits of adding them afterwards), or null.
    /// </summary>
    public float* BiasSums;
    public int SumGroup;

    public readonly GateRows Rows => Gates;

    public static void KeepRow(in LstmStep p, int b)
    {
        GatePass.CarryRow(p.CPrev, p.C, p.Units, b);
        GatePass.CarryRow(p.HPrev, p.H, p.Units, b);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Forward<TL, TA, TR>(in LstmStep p, int b, int j)
        where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        int u = p.Units;
        long row = (long)b * u;
        float* z = p.Z + row * 4, bias = p.Bias, cPrev = p.CPrev + row, c = p.C + row, h = p.H + row, tcOut = p.TC + row;
        // Two sweeps of the row: the gates and the cell state, then act(c) and h. In one sweep, act(c) waits at the end
        // of a chain of two activations per lane group and the out-of-order window holds too few groups to hide it;
        // apart, each sweep's groups are independent. The same operations on the same values: the same bits.
        int start = j;
        for (; j + TL.Count <= u; j += TL.Count)
        {
            var i = TR.Apply(TL.Load(z + j) + TL.Load(bias + j));
            var f = TR.Apply(TL.Load(z + u + j) + TL.Load(bias + u + j));
            var g = TA.Apply(TL.Load(z + 2 * u + j) + TL.Load(bias + 2 * u + j));
            var o = TR.Apply(TL.Load(z + 3 * u + j) + TL.Load(bias + 3 * u + j));
            TL.Store(z + j, i);
            TL.Store(z + u + j, f);
            TL.Store(z + 2 * u + j, g);
            TL.Store(z + 3 * u + j, o);
            TL.Store(c + j, f * TL.Load(cPrev + j) + i * g);
        }
        for (j = start; j + TL.Count <= u; j += TL.Count)
        {
            var tc = TA.Apply(TL.Load(c + j));
            TL.Store(tcOut + j, tc);
            TL.Store(h + j, TL.Load(z + 3 * u + j) * tc);
        }
        return j;
    }

    public static void StopRow(in LstmStep p, int b)
    {
        GatePass.ClearRow(p.DZ, 4 * p.Units, b);
        if (p.BiasSums == null) return;
        // The row's zeros are added too, as a pass over DZ afterwards would add them (−0 + 0 is +0).
        float* sums = p.BiasSums + (long)(b / p.SumGroup) * 4 * p.Units;
        for (int j = 0; j < 4 * p.Units; j++) sums[j] += 0f;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Backward<TL, TA, TR>(in LstmStep p, int b, int j)
        where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        int u = p.Units;
        float* dy = p.DY == null ? null : p.DY + (long)b * p.DYStride;
        long row = (long)b * u;
        float* z = p.Z + row * 4, dz = p.DZ + row * 4, cPrev = p.CPrev + row, tcIn = p.TC + row, dh = p.DH + row, dc = p.DC + row;
        float* sums = p.BiasSums == null ? null : p.BiasSums + (long)(b / p.SumGroup) * 4 * u;
        for (; j + TL.Count <= u; j += TL.Count)
        {
            var i = TL.Load(z + j);
            var f = TL.Load(z + u + j);
            var g = TL.Load(z + 2 * u + j);
            var o = TL.Load(z + 3 * u + j);
            var gradH = TL.Load(dh + j);
            if (dy != null) gradH = gradH + TL.Load(dy + j);
            var tc = TL.Load(tcIn + j);
            var gradC = TL.Load(dc + j) + gradH * o * TA.Derivative(tc);
            var dzi = gradC * g * TR.Derivative(i);
            var dzf = gradC * TL.Load(cPrev + j) * TR.Derivative(f);
            var dzg = gradC * i * TA.Derivative(g);
            var dzo = gradH * tc * TR.Derivative(o);
            TL.Store(dz + j, dzi);
            TL.Store(dz + u + j, dzf);
            TL.Store(dz + 2 * u + j, dzg);
            TL.Store(dz + 3 * u + j, dzo);
            TL.Store(dc + j, gradC * f);
            TL.Store(dh + j, TL.Broadcast(0f));
            if (sums != null)
            {
                TL.Store(sums + j, TL.Load(sums + j) + dzi);
                TL.Store(sums + u + j, TL.Load(sums + u + j) + dzf);
                TL.Store(sums + 2 * u + j, TL.Load(sums + 2 * u + j) + dzg);
                TL.Store(sums + 3 * u + j, TL.Load(sums + 3 * u + j) + dzo);
            }
        }
        return j;
    }
}
