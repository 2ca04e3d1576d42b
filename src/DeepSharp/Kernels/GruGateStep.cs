using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// The first half of a GRU time step in Keras' <c>reset_after=False</c> form (Keras 1, and ONNX's default
/// <c>linear_before_reset=0</c>), where the reset gate scales the previous state before the recurrent product of the
/// candidate: z = σ(x_z + h₋₁·R_z), r = σ(x_r + h₋₁·R_r), and r·h₋₁ kept in <see cref="RH"/> for the product
/// (r·h₋₁)·R_h that the loop computes next (<see cref="GruStep{TForm}"/> of <see cref="GruResetBefore"/> then finishes the step). x_* is the input
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
