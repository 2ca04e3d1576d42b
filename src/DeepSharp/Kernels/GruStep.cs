using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// The candidate and the new state of a GRU time step over a batch, gate order z, r, h, in either of Keras' forms
/// (<typeparamref name="TForm"/>). <c>reset_after</c> (<see cref="GruResetAfter"/>): z = σ(x_z + r_z), r = σ(x_r + r_r),
/// ĥ = act(x_h + r·r_h), where x_* is the input projection plus input bias (<see cref="Z"/>) and r_* the recurrent
/// product plus recurrent bias (<see cref="Rec"/>); the activated gates overwrite z, and r_h is kept in
/// <see cref="RH"/> for backward. <c>reset_after=False</c> (<see cref="GruResetBefore"/>): z and r come from
/// <see cref="GruGateStep"/>, and ĥ = act(x_h + (r·h₋₁)·R_h), the product in the third block of <see cref="Rec"/>.
/// Both then give h = z·h₋₁ + (1 − z)·ĥ. Backward is as <see cref="LstmStep"/>'s, the part of dh not through R
/// being dh·z; reset_before leaves dr to the gate step. Run by <see cref="GatePass"/>.
/// </summary>
internal unsafe struct GruStep<TForm> : IGateStep<GruStep<TForm>> where TForm : struct, IGruForm
{
    public GateRows Gates;
    public int Units;
    public float* Z;                  // [batch, 3·units]: input pre-activations in, z, r, ĥ out (reset_before: z, r in)
    public float* Rec;                // [batch, 3·units]: h₋₁·R (reset_after), or (r·h₋₁)·R_h in the third block
    public float* BiasX, BiasR;       // [3·units] each (reset_before has no recurrent bias)
    public float* HPrev, H, RH;       // [batch, units] (RH: reset_after only)

    // Backward only.
    public float* DY;
    public int DYStride;
    public float* DH;                 // in: gradient from later steps; out: the part not through R (dh·z)
    public float* DZ, DRec;           // [batch, 3·units]: gradients of the input and the recurrent pre-activations

    public readonly GateRows Rows => Gates;

    public static void KeepRow(in GruStep<TForm> p, int b) => GatePass.CarryRow(p.HPrev, p.H, p.Units, b);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Forward<TL, TA, TR>(in GruStep<TForm> p, int b, int j)
        where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        int u = p.Units;
        long row = (long)b * u;
        float* x = p.Z + row * 3, r = p.Rec + row * 3, bx = p.BiasX, br = p.BiasR, hPrev = p.HPrev + row, h = p.H + row, rhOut = p.RH + row;
        for (; j + TL.Count <= u; j += TL.Count)
        {
            TL z, hh;
            if (TForm.ResetAfter)
            {
                z = TR.Apply(TL.Load(x + j) + TL.Load(bx + j) + (TL.Load(r + j) + TL.Load(br + j)));
                var reset = TR.Apply(TL.Load(x + u + j) + TL.Load(bx + u + j) + (TL.Load(r + u + j) + TL.Load(br + u + j)));
                var rh = TL.Load(r + 2 * u + j) + TL.Load(br + 2 * u + j);
                hh = TA.Apply(TL.Load(x + 2 * u + j) + TL.Load(bx + 2 * u + j) + reset * rh);
                TL.Store(x + j, z);
                TL.Store(x + u + j, reset);
                TL.Store(rhOut + j, rh);
            }
            else
            {
                z = TL.Load(x + j);
                hh = TA.Apply(TL.Load(x + 2 * u + j) + TL.Load(bx + 2 * u + j) + TL.Load(r + 2 * u + j));
            }
            TL.Store(x + 2 * u + j, hh);
            TL.Store(h + j, z * TL.Load(hPrev + j) + (TL.Broadcast(1f) - z) * hh);
        }
        return j;
    }

    public static void StopRow(in GruStep<TForm> p, int b)
    {
        GatePass.ClearRow(p.DZ, 3 * p.Units, b);
        GatePass.ClearRow(p.DRec, 3 * p.Units, b);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Backward<TL, TA, TR>(in GruStep<TForm> p, int b, int j)
        where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        int u = p.Units;
        long row = (long)b * u;
        float* g = p.Z + row * 3, dx = p.DZ + row * 3, dr = p.DRec + row * 3, hPrev = p.HPrev + row, rh = p.RH + row, dh = p.DH + row;
        float* dy = p.DY == null ? null : p.DY + (long)b * p.DYStride;
        for (; j + TL.Count <= u; j += TL.Count)
        {
            var z = TL.Load(g + j);
            var hh = TL.Load(g + 2 * u + j);
            var gradH = TL.Load(dh + j);
            if (dy != null) gradH = gradH + TL.Load(dy + j);
            var dz = gradH * (TL.Load(hPrev + j) - hh) * TR.Derivative(z);
            var dhPre = gradH * (TL.Broadcast(1f) - z) * TA.Derivative(hh);
            if (TForm.ResetAfter)
            {
                var reset = TL.Load(g + u + j);
                var dReset = dhPre * TL.Load(rh + j) * TR.Derivative(reset);
                TL.Store(dx + u + j, dReset);
                TL.Store(dr + u + j, dReset);
                TL.Store(dr + 2 * u + j, dhPre * reset);
            }
            else TL.Store(dr + 2 * u + j, dhPre);
            TL.Store(dx + j, dz);
            TL.Store(dx + 2 * u + j, dhPre);
            TL.Store(dr + j, dz);
            TL.Store(dh + j, gradH * z);
        }
        return j;
    }
}
