using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// The fused gate pass of one LSTM time step over a batch, Keras' gate order i, f, c, o:
/// i = σ(zᵢ), f = σ(z_f), g = act(z_c), o = σ(z_o), c = f·c₋₁ + i·g, h = o·act(c).
/// The pre-activations z (input projection + recurrent product) arrive in <see cref="Z"/>, the bias is added
/// here, and the activated gates overwrite z for backward. A masked row keeps the previous state.
/// </summary>
internal unsafe struct LstmStep
{
    public int Batch, Units;
    public float* Z;          // [batch, 4·units]: pre-activations in, activated gates out
    public float* Bias;       // [4·units]
    public float* CPrev, HPrev, C, H; // [batch, units]
    public float* Mask;       // [batch] at stride MaskStride (1 keep, 0 skip), or null
    public int MaskStride;
    public GateActivation Activation, RecurrentActivation;

    // Backward only.
    public float* DY;         // gradient of this step's output row b at DY + b·DYStride, or null
    public int DYStride;
    public float* DH, DC;     // [batch, units]: gradients from later steps in, the part not through the recurrent kernel out
    public float* DZ;         // [batch, 4·units]: gradient of the pre-activations out

    internal readonly bool Masked(int b) => Mask != null && Mask[(long)b * MaskStride] == 0f;

    /// <summary>Gates, cell and hidden state of every row.</summary>
    internal static void Forward(in LstmStep p)
    {
        for (int b = 0; b < p.Batch; b++)
        {
            if (p.Masked(b))
            {
                long row = (long)b * p.Units;
                new Span<float>(p.CPrev + row, p.Units).CopyTo(new Span<float>(p.C + row, p.Units));
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
    private static int ForwardColumns<TL>(in LstmStep p, int b, int j) where TL : struct, IGateLanes<TL>
    {
        int u = p.Units;
        float* z = p.Z + (long)b * 4 * u, bias = p.Bias;
        long row = (long)b * u;
        for (; j + TL.Count <= u; j += TL.Count)
        {
            var i = GateMath.Apply(p.RecurrentActivation, TL.Load(z + j) + TL.Load(bias + j));
            var f = GateMath.Apply(p.RecurrentActivation, TL.Load(z + u + j) + TL.Load(bias + u + j));
            var g = GateMath.Apply(p.Activation, TL.Load(z + 2 * u + j) + TL.Load(bias + 2 * u + j));
            var o = GateMath.Apply(p.RecurrentActivation, TL.Load(z + 3 * u + j) + TL.Load(bias + 3 * u + j));
            var c = f * TL.Load(p.CPrev + row + j) + i * g;
            TL.Store(z + j, i);
            TL.Store(z + u + j, f);
            TL.Store(z + 2 * u + j, g);
            TL.Store(z + 3 * u + j, o);
            TL.Store(p.C + row + j, c);
            TL.Store(p.H + row + j, o * GateMath.Apply(p.Activation, c));
        }
        return j;
    }

    /// <summary>
    /// Backward through the gates of every row: writes DZ, replaces DC by the gradient of the previous cell
    /// state, and DH by the part of the previous hidden state's gradient that does not pass through the
    /// recurrent kernel (zero, or all of it on a masked row); the caller adds DZ·Rᵀ.
    /// </summary>
    internal static void Backward(in LstmStep p)
    {
        for (int b = 0; b < p.Batch; b++)
        {
            if (p.Masked(b))
            {
                new Span<float>(p.DZ + (long)b * 4 * p.Units, 4 * p.Units).Clear();
                continue;
            }
            int j = 0;
            if (Simd.Level == SimdLevel.Vector512) j = BackwardColumns<Gate512>(p, b, j);
            if (Simd.Level != SimdLevel.Scalar) j = BackwardColumns<Gate256>(p, b, j);
            BackwardColumns<Gate1>(p, b, j);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int BackwardColumns<TL>(in LstmStep p, int b, int j) where TL : struct, IGateLanes<TL>
    {
        int u = p.Units;
        float* z = p.Z + (long)b * 4 * u, dz = p.DZ + (long)b * 4 * u;
        float* dy = p.DY == null ? null : p.DY + (long)b * p.DYStride;
        long row = (long)b * u;
        for (; j + TL.Count <= u; j += TL.Count)
        {
            var i = TL.Load(z + j);
            var f = TL.Load(z + u + j);
            var g = TL.Load(z + 2 * u + j);
            var o = TL.Load(z + 3 * u + j);
            var dh = TL.Load(p.DH + row + j);
            if (dy != null) dh = dh + TL.Load(dy + j);
            var tc = GateMath.Apply(p.Activation, TL.Load(p.C + row + j));
            var dc = TL.Load(p.DC + row + j) + dh * o * GateMath.Derivative(p.Activation, tc);
            TL.Store(dz + j, dc * g * GateMath.Derivative(p.RecurrentActivation, i));
            TL.Store(dz + u + j, dc * TL.Load(p.CPrev + row + j) * GateMath.Derivative(p.RecurrentActivation, f));
            TL.Store(dz + 2 * u + j, dc * i * GateMath.Derivative(p.Activation, g));
            TL.Store(dz + 3 * u + j, dh * tc * GateMath.Derivative(p.RecurrentActivation, o));
            TL.Store(p.DC + row + j, dc * f);
            TL.Store(p.DH + row + j, TL.Broadcast(0f));
        }
        return j;
    }
}
