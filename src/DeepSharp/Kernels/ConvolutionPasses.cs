using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// The elementwise passes around a convolution's GEMM, run on a block of rows while it is in cache: bias and
/// activation on the way out, the activation's derivative and the bias gradient on the way back.
/// </summary>
internal static unsafe class ConvolutionPasses
{
    /// <summary>y = act(y + bias) over <paramref name="rows"/> rows of <paramref name="columns"/> values.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Output(float* y, int rows, int columns, float* bias, FusedActivation activation)
    {
        if (bias == null && activation == FusedActivation.None) return;
        bool relu = activation == FusedActivation.Relu;
        if (Simd.Level == SimdLevel.Vector512)
        {
            for (int r = 0; r < rows; r++, y += columns)
            {
                int j = 0;
                for (; j <= columns - 16; j += 16)
                {
                    var v = Vector512.Load(y + j);
                    if (bias != null) v += Vector512.Load(bias + j);
                    if (relu) v = Vector512.Max(v, Vector512<float>.Zero);
                    v.Store(y + j);
                }
                if (j < columns)
                {
                    var mask = Im2Col.TailMask(columns - j);
                    var v = Avx512F.MaskLoad(y + j, mask, Vector512<float>.Zero);
                    if (bias != null) v += Avx512F.MaskLoad(bias + j, mask, Vector512<float>.Zero);
                    if (relu) v = Vector512.Max(v, Vector512<float>.Zero);
                    Avx512F.MaskStore(y + j, mask, v);
                }
            }
            return;
        }
        for (int r = 0; r < rows; r++, y += columns)
            for (int j = 0; j < columns; j++)
            {
                float v = y[j];
                if (bias != null) v += bias[j];
                y[j] = relu && !(v > 0f) ? 0f : v;
            }
    }

    /// <summary>
    /// dy = g·act'(output) into rows <paramref name="ldDy"/> floats apart (columns past
    /// <paramref name="columns"/> zero), and the column sums of dy added to <paramref name="biasSum"/> when given.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Gradient(float* g, float* output, FusedActivation activation, int rows, int columns,
        float* dy, int ldDy, float* biasSum)
    {
        bool relu = activation == FusedActivation.Relu;
        if (Simd.Level == SimdLevel.Vector512 && ldDy % 16 == 0)
        {
            for (int r = 0; r < rows; r++, g += columns, dy += ldDy)
            {
                float* o = output + (long)r * columns;
                for (int j = 0; j < ldDy; j += 16)
                {
                    var mask = Im2Col.TailMask(columns - j); // no lanes past the last column
                    var v = Avx512F.MaskLoad(g + j, mask, Vector512<float>.Zero);
                    if (relu) v &= Vector512.GreaterThan(Avx512F.MaskLoad(o + j, mask, Vector512<float>.Zero), Vector512<float>.Zero);
                    v.Store(dy + j);
                    if (biasSum != null) (Vector512.Load(biasSum + j) + v).Store(biasSum + j);
                }
            }
            return;
        }
        for (int r = 0; r < rows; r++, g += columns, dy += ldDy)
        {
            float* o = output + (long)r * columns;
            for (int j = 0; j < columns; j++)
            {
                float v = relu && !(o[j] > 0f) ? 0f : g[j];
                dy[j] = v;
                if (biasSum != null) biasSum[j] += v;
            }
            for (int j = columns; j < ldDy; j++) dy[j] = 0f;
        }
    }
}
