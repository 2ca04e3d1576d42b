using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// The first half of a GRU time step in Keras' <c>reset_after=False</c> form (Keras 1, and ONNX's default
/// <c>linear_before_reset=0</c>), where the reset gate scales the previous state before the recurrent product of the
/// candidate: z = σ(x_z + h₋₁·R_z), r = σ(x_r + h₋₁·R_r), and r·h₋₁ kept in <see cref="RH"/> for the product
/// (r·h₋₁)·R_h that the loop computes next (<see cref="GruCandidateStep"/> then finishes the step). x_* is the input
/// projection plus the input bias (the form has no recurrent bias). Backward, given d(r·h₋₁) in <see cref="DRH"/>:
/// dr, and the part of dh₋₁ through r·h₋₁. Run by <see cref="GatePass"/>.
/// </summary>
internal unsafe struct GruGateStep : IGateStep<GruGateStep>
{
    public GateRows Gates;
    public int Units;
    public float* Z;                  // [batch, 3·units]: input pre-activations in; z and r out (ĥ by the candidate step)
    public float* Rec;                // [batch, 3·units]: h₋₁·R_z and h₋₁·R_r in the first 2·units columns
    public float* BiasX;              // [3·units]
    public float* HIn;                // [batch, units]: h₋₁ as it enters R (scaled by the recurrent dropout mask when there is one)
    public float* RH;                 // [batch, units]: r·h₋₁ out

    // Backward only.
    public float* DRH;                // [batch, units]: d(r·h₋₁) in
    public float* Drop;               // [batch, units]: the recurrent dropout mask, or null
    public float* DZ, DRec;           // [batch, 3·units]: dr written into the second block of each
    public float* DH;                 // [batch, units]: dh₋₁ += d(r·h₋₁)·r (·mask)

    public readonly GateRows Rows => Gates;

    // A skipped row still feeds the next product; zeros keep its garbage out of the weight gradients.
    public static void KeepRow(in GruGateStep p, int b) => GatePass.ClearRow(p.RH, p.Units, b);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Forward<TL, TA, TR>(in GruGateStep p, int b, int j)
        where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        int u = p.Units;
        long row = (long)b * u;
        float* x = p.Z + row * 3, r = p.Rec + row * 3, bx = p.BiasX, hIn = p.HIn + row, rhOut = p.RH + row;
        for (; j + TL.Count <= u; j += TL.Count)
        {
            var z = TR.Apply(TL.Load(x + j) + TL.Load(bx + j) + TL.Load(r + j));
            var reset = TR.Apply(TL.Load(x + u + j) + TL.Load(bx + u + j) + TL.Load(r + u + j));
            TL.Store(x + j, z);
            TL.Store(x + u + j, reset);
            TL.Store(rhOut + j, reset * TL.Load(hIn + j));
        }
        return j;
    }

    // The candidate step's StopRow has cleared the row's gradients already.
    public static void StopRow(in GruGateStep p, int b)
    {
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Backward<TL, TA, TR>(in GruGateStep p, int b, int j)
        where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        int u = p.Units;
        long row = (long)b * u;
        float* g = p.Z + row * 3, dx = p.DZ + row * 3, dr = p.DRec + row * 3, hIn = p.HIn + row, drh = p.DRH + row, dh = p.DH + row;
        float* drop = p.Drop == null ? null : p.Drop + row;
        for (; j + TL.Count <= u; j += TL.Count)
        {
            var reset = TL.Load(g + u + j);
            var gradRH = TL.Load(drh + j);
            var dReset = gradRH * TL.Load(hIn + j) * TR.Derivative(reset);
            TL.Store(dx + u + j, dReset);
            TL.Store(dr + u + j, dReset);
            var through = gradRH * reset;
            if (drop != null) through = through * TL.Load(drop + j);
            TL.Store(dh + j, TL.Load(dh + j) + through);
        }
        return j;
    }
}

/// <summary>
/// The second half of a <c>reset_after=False</c> GRU time step (see <see cref="GruGateStep"/>): ĥ = act(x_h + (r·h₋₁)·R_h),
/// h = z·h₋₁ + (1 − z)·ĥ, the product arriving in the third block of <see cref="Rec"/>. Backward, first in the step:
/// dz, dĥ's pre-activation (to the input and, through R_h, to r·h₋₁) and the part of dh₋₁ not through R, dh·z.
/// </summary>
internal unsafe struct GruCandidateStep : IGateStep<GruCandidateStep>
{
    public GateRows Gates;
    public int Units;
    public float* Z;                  // [batch, 3·units]: z, r in; the candidate's pre-activation in its third block, ĥ out
    public float* Rec;                // [batch, 3·units]: (r·h₋₁)·R_h in the third block
    public float* BiasX;              // [3·units]
    public float* HPrev, H;           // [batch, units]

    // Backward only.
    public float* DY;
    public int DYStride;
    public float* DH;                 // in: gradient from later steps; out: the part not through R (dh·z)
    public float* DZ, DRec;           // [batch, 3·units]: dz and dĥ's pre-activation written (dr by the gate step)

    public readonly GateRows Rows => Gates;

    public static void KeepRow(in GruCandidateStep p, int b) => GatePass.CarryRow(p.HPrev, p.H, p.Units, b);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Forward<TL, TA, TR>(in GruCandidateStep p, int b, int j)
        where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        int u = p.Units;
        long row = (long)b * u;
        float* x = p.Z + row * 3, r = p.Rec + row * 3, bx = p.BiasX, hPrev = p.HPrev + row, h = p.H + row;
        for (; j + TL.Count <= u; j += TL.Count)
        {
            var z = TL.Load(x + j);
            var hh = TA.Apply(TL.Load(x + 2 * u + j) + TL.Load(bx + 2 * u + j) + TL.Load(r + 2 * u + j));
            TL.Store(x + 2 * u + j, hh);
            TL.Store(h + j, z * TL.Load(hPrev + j) + (TL.Broadcast(1f) - z) * hh);
        }
        return j;
    }

    public static void StopRow(in GruCandidateStep p, int b)
    {
        GatePass.ClearRow(p.DZ, 3 * p.Units, b);
        GatePass.ClearRow(p.DRec, 3 * p.Units, b);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Backward<TL, TA, TR>(in GruCandidateStep p, int b, int j)
        where TL : struct, ILanes<TL> where TA : struct, IGateFunction where TR : struct, IGateFunction
    {
        int u = p.Units;
        long row = (long)b * u;
        float* g = p.Z + row * 3, dx = p.DZ + row * 3, dr = p.DRec + row * 3, hPrev = p.HPrev + row, dh = p.DH + row;
        float* dy = p.DY == null ? null : p.DY + (long)b * p.DYStride;
        for (; j + TL.Count <= u; j += TL.Count)
        {
            var z = TL.Load(g + j);
            var hh = TL.Load(g + 2 * u + j);
            var gradH = TL.Load(dh + j);
            if (dy != null) gradH = gradH + TL.Load(dy + j);
            var dz = gradH * (TL.Load(hPrev + j) - hh) * TR.Derivative(z);
            var dhPre = gradH * (TL.Broadcast(1f) - z) * TA.Derivative(hh);
            TL.Store(dx + j, dz);
            TL.Store(dx + 2 * u + j, dhPre);
            TL.Store(dr + j, dz);
            TL.Store(dr + 2 * u + j, dhPre);
            TL.Store(dh + j, gradH * z);
        }
        return j;
    }
}
