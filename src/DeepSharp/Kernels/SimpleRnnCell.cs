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
    public GateActivation Activation;

    // Backward only.
    public float* DY;
    public int DYStride;
    public float* DH;         // in: gradient from later steps; out: zero, or all of it on a masked row
    public float* DZ;

    internal readonly bool Masked(int b) => Mask != null && Mask[(long)b * MaskStride] == 0f;

    internal static void Forward(in SimpleRnnStep p)
    {
        for (int b = 0; b < p.Batch; b++)
        {
            long row = (long)b * p.Units;
            if (p.Masked(b))
            {
                new Span<float>(p.HPrev + row, p.Units).CopyTo(new Span<float>(p.H + row, p.Units));
                continue;
            }
            int j = 0;
            if (Simd.Level == SimdLevel.Vector512) j = ForwardColumns<Gate512>(p, row, j);
            if (Simd.Level != SimdLevel.Scalar) j = ForwardColumns<Gate256>(p, row, j);
            ForwardColumns<Gate1>(p, row, j);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ForwardColumns<TL>(in SimpleRnnStep p, long row, int j) where TL : struct, IGateLanes<TL>
    {
        for (; j + TL.Count <= p.Units; j += TL.Count)
        {
            var h = GateMath.Apply(p.Activation, TL.Load(p.Z + row + j) + TL.Load(p.Bias + j));
            TL.Store(p.Z + row + j, h);
            TL.Store(p.H + row + j, h);
        }
        return j;
    }

    internal static void Backward(in SimpleRnnStep p)
    {
        for (int b = 0; b < p.Batch; b++)
        {
            long row = (long)b * p.Units;
            if (p.Masked(b))
            {
                new Span<float>(p.DZ + row, p.Units).Clear();
                continue;
            }
            int j = 0;
            if (Simd.Level == SimdLevel.Vector512) j = BackwardColumns<Gate512>(p, b, j);
            if (Simd.Level != SimdLevel.Scalar) j = BackwardColumns<Gate256>(p, b, j);
            BackwardColumns<Gate1>(p, b, j);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int BackwardColumns<TL>(in SimpleRnnStep p, int b, int j) where TL : struct, IGateLanes<TL>
    {
        long row = (long)b * p.Units;
        float* dy = p.DY == null ? null : p.DY + (long)b * p.DYStride;
        for (; j + TL.Count <= p.Units; j += TL.Count)
        {
            var dh = TL.Load(p.DH + row + j);
            if (dy != null) dh = dh + TL.Load(dy + j);
            TL.Store(p.DZ + row + j, dh * GateMath.Derivative(p.Activation, TL.Load(p.Z + row + j)));
            TL.Store(p.DH + row + j, TL.Broadcast(0f));
        }
        return j;
    }
}
