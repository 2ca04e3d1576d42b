using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// The gate pass of one SimpleRNN time step over a batch: h = act(z + bias), z being the input projection
/// plus the recurrent product. The activated output overwrites z for backward.
/// </summary>
internal unsafe struct SimpleRnnStep
{
    public int Batch, Units;
    public float* Z;          // [batch, units]
    public float* Bias;       // [units]
    public float* HPrev, H;   // [batch, units]
    public float* Mask;
    public int MaskStride;
    public GateFunctionKind Activation;

    // Backward only.
    public float* DY;
    public int DYStride;
    public float* DH;         // in: gradient from later steps; out: zero, or all of it on a masked row
    public float* DZ;

    internal static void Forward(in SimpleRnnStep p) => GatePass.Run<ForwardPass, SimpleRnnStep>(p, p.Batch, p.Mask, p.MaskStride, p.Activation, GateFunctionKind.Linear);

    internal static void Backward(in SimpleRnnStep p) => GatePass.Run<BackwardPass, SimpleRnnStep>(p, p.Batch, p.Mask, p.MaskStride, p.Activation, GateFunctionKind.Linear);

    private readonly struct ForwardPass : IGatePass<SimpleRnnStep>
    {
        public static void SkipRow(in SimpleRnnStep p, int b)
        {
            long row = (long)b * p.Units;
            new Span<float>(p.HPrev + row, p.Units).CopyTo(new Span<float>(p.H + row, p.Units));
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        public static int Columns<TL, TA, TR>(in SimpleRnnStep p, int b, int j)
            where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction
        {
            long row = (long)b * p.Units;
            float* z = p.Z + row, h = p.H + row, bias = p.Bias;
            for (; j + TL.Count <= p.Units; j += TL.Count)
            {
                var y = TA.Apply(TL.Load(z + j) + TL.Load(bias + j));
                TL.Store(z + j, y);
                TL.Store(h + j, y);
            }
            return j;
        }
    }

    private readonly struct BackwardPass : IGatePass<SimpleRnnStep>
    {
        public static void SkipRow(in SimpleRnnStep p, int b) => new Span<float>(p.DZ + (long)b * p.Units, p.Units).Clear();

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        public static int Columns<TL, TA, TR>(in SimpleRnnStep p, int b, int j)
            where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction
        {
            long row = (long)b * p.Units;
            float* z = p.Z + row, dh = p.DH + row, dz = p.DZ + row;
            float* dy = p.DY == null ? null : p.DY + (long)b * p.DYStride;
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
}
