using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// One SimpleRNN time step over a batch: h = act(z + bias), z being the input projection plus the recurrent
/// product. The activated output overwrites z for backward; backward writes DZ and zeroes DH (a masked row
/// leaves DH whole). Run by <see cref="GatePass"/> (the gates' activation is unused).
/// </summary>
internal unsafe struct SimpleRnnStep : IGateStep<SimpleRnnStep>
{
    public GateRows Gates;
    public int Units;
    public float* Z;          // [batch, units]
    public float* Bias;       // [units]
    public float* HPrev, H;   // [batch, units]

    // Backward only.
    public float* DY;
    public int DYStride;
    public float* DH;         // in: gradient from later steps; out: zero, or all of it on a masked row
    public float* DZ;

    public readonly GateRows Rows => Gates;

    public static void KeepRow(in SimpleRnnStep p, int b) => GatePass.CarryRow(p.HPrev, p.H, p.Units, b);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Forward<TL, TA, TR>(in SimpleRnnStep p, int b, int j)
        where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        float* z = p.Z + (long)b * p.Units, h = p.H + (long)b * p.Units, bias = p.Bias;
        for (; j + TL.Count <= p.Units; j += TL.Count)
        {
            var y = TA.Apply(TL.Load(z + j) + TL.Load(bias + j));
            TL.Store(z + j, y);
            TL.Store(h + j, y);
        }
        return j;
    }

    public static void StopRow(in SimpleRnnStep p, int b) => GatePass.ClearRow(p.DZ, p.Units, b);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Backward<TL, TA, TR>(in SimpleRnnStep p, int b, int j)
        where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        float* dy = p.DY == null ? null : p.DY + (long)b * p.DYStride;
        float* z = p.Z + (long)b * p.Units, dh = p.DH + (long)b * p.Units, dz = p.DZ + (long)b * p.Units;
        for (; j + TL.Count <= p.Units; j += TL.Count)
        {
            var gradH = TL.Load(dh + j);
            if (dy != null) gradH = gradH + TL.Load(dy + j);
            TL.Store(dz + j, gradH * TA.Derivative(TL.Load(z + j)));
            TL.Store(dh + j, TL.Broadcast(0f));
        }
        return j;
    }
}
