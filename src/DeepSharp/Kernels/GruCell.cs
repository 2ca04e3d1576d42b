using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// The fused gate pass of one GRU time step over a batch, Keras' <c>reset_after</c> form and gate order
/// z, r, h: z = σ(x_z + r_z), r = σ(x_r + r_r), ĥ = act(x_h + r·r_h), h = z·h₋₁ + (1 − z)·ĥ, where x_* is the
/// input projection plus input bias (<see cref="Z"/>) and r_* the recurrent product plus recurrent bias
/// (<see cref="Rec"/>). The activated gates overwrite z; r_h is kept in <see cref="RH"/> for backward.
/// </summary>
internal unsafe struct GruStep
{
    public int Batch, Units;
    public float* Z;                  // [batch, 3·units]: input pre-activations in, z, r, ĥ out
    public float* Rec;                // [batch, 3·units]: h₋₁·R (forward)
    public float* BiasX, BiasR;       // [3·units] each
    public float* HPrev, H, RH;       // [batch, units]
    public float* Mask;
    public int MaskStride;
    public GateActivation Activation, RecurrentActivation;

    // Backward only.
    public float* DY;
    public int DYStride;
    public float* DH;                 // in: gradient from later steps; out: the part not through R (dh·z)
    public float* DZ, DRec;           // [batch, 3·units]: gradients of the input and the recurrent pre-activations

    internal readonly bool Masked(int b) => Mask != null && Mask[(long)b * MaskStride] == 0f;

    internal static void Forward(in GruStep p)
    {
        for (int b = 0; b < p.Batch; b++)
        {
            if (p.Masked(b))
            {
                long row = (long)b * p.Units;
                new Span<float>(p.HPrev + row, p.Units).CopyTo(new Span<float>(p.H + row, p.Units));
                continue;
            }
            int j = 0;
            if (Simd.Level == SimdLevel.Vector512) j = ForwardColumns<Gate512>(p, b, j);
            if (Simd.Level != SimdLevel.Scalar) j = ForwardColumns<Gate256>(p, b, j);
            ForwardColumns<Gate1>(p, b, j);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ForwardColumns<TL>(in GruStep p, int b, int j) where TL : struct, IGateLanes<TL>
    {
        int u = p.Units;
        float* x = p.Z + (long)b * 3 * u, r = p.Rec + (long)b * 3 * u, bx = p.BiasX, br = p.BiasR;
        long row = (long)b * u;
        for (; j + TL.Count <= u; j += TL.Count)
        {
            var z = GateMath.Apply(p.RecurrentActivation, TL.Load(x + j) + TL.Load(bx + j) + (TL.Load(r + j) + TL.Load(br + j)));
            var reset = GateMath.Apply(p.RecurrentActivation,
                TL.Load(x + u + j) + TL.Load(bx + u + j) + (TL.Load(r + u + j) + TL.Load(br + u + j)));
            var rh = TL.Load(r + 2 * u + j) + TL.Load(br + 2 * u + j);
            var hh = GateMath.Apply(p.Activation, TL.Load(x + 2 * u + j) + TL.Load(bx + 2 * u + j) + reset * rh);
            var hPrev = TL.Load(p.HPrev + row + j);
            TL.Store(x + j, z);
            TL.Store(x + u + j, reset);
            TL.Store(x + 2 * u + j, hh);
            TL.Store(p.RH + row + j, rh);
            TL.Store(p.H + row + j, z * hPrev + (TL.Broadcast(1f) - z) * hh);
        }
        return j;
    }

    /// <summary>Backward through the gates of every row (see <see cref="LstmStep.Backward"/>; here the direct part is dh·z).</summary>
    internal static void Backward(in GruStep p)
    {
        for (int b = 0; b < p.Batch; b++)
        {
            if (p.Masked(b))
            {
                new Span<float>(p.DZ + (long)b * 3 * p.Units, 3 * p.Units).Clear();
                new Span<float>(p.DRec + (long)b * 3 * p.Units, 3 * p.Units).Clear();
                continue;
            }
            int j = 0;
            if (Simd.Level == SimdLevel.Vector512) j = BackwardColumns<Gate512>(p, b, j);
            if (Simd.Level != SimdLevel.Scalar) j = BackwardColumns<Gate256>(p, b, j);
            BackwardColumns<Gate1>(p, b, j);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int BackwardColumns<TL>(in GruStep p, int b, int j) where TL : struct, IGateLanes<TL>
    {
        int u = p.Units;
        float* g = p.Z + (long)b * 3 * u, dx = p.DZ + (long)b * 3 * u, dr = p.DRec + (long)b * 3 * u;
        float* dy = p.DY == null ? null : p.DY + (long)b * p.DYStride;
        long row = (long)b * u;
        for (; j + TL.Count <= u; j += TL.Count)
        {
            var z = TL.Load(g + j);
            var reset = TL.Load(g + u + j);
            var hh = TL.Load(g + 2 * u + j);
            var dh = TL.Load(p.DH + row + j);
            if (dy != null) dh = dh + TL.Load(dy + j);
            var dz = dh * (TL.Load(p.HPrev + row + j) - hh) * GateMath.Derivative(p.RecurrentActivation, z);
            var dhPre = dh * (TL.Broadcast(1f) - z) * GateMath.Derivative(p.Activation, hh);
            var dReset = dhPre * TL.Load(p.RH + row + j) * GateMath.Derivative(p.RecurrentActivation, reset);
            TL.Store(dx + j, dz);
            TL.Store(dx + u + j, dReset);
            TL.Store(dx + 2 * u + j, dhPre);
            TL.Store(dr + j, dz);
            TL.Store(dr + u + j, dReset);
            TL.Store(dr + 2 * u + j, dhPre * reset);
            TL.Store(p.DH + row + j, dh * z);
        }
        return j;
    }
}
