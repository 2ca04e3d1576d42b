using DeepSharp.Kernels;
using DeepSharp.Tests.Ops;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// The AVX-512 row passes of layer normalization against the reference rows (library calls per step), forward and
/// backward, for rows shorter than a vector, one past it and several vectors long, one row and many, with and without
/// γ and β. On a machine without AVX-512 both runs take the reference path.
/// </summary>
public class LayerNormRows512Tests
{
    private static float[][] Run(bool rowKernels, int rows, int n, bool gamma, bool beta)
    {
        bool saved = LayerNormKernel.RowKernels;
        LayerNormKernel.RowKernels = rowKernels;
        try
        {
            var x = OpAssert.Random(41, -3f, 5f, rows, n).WithRequiresGrad();
            var g = gamma ? OpAssert.Random(42, 0.5f, 1.5f, n).WithRequiresGrad() : null;
            var b = beta ? OpAssert.Random(43, -1f, 1f, n).WithRequiresGrad() : null;
            var y = DeepSharp.Ops.LayerNormalization(x, g, b, 1e-5f);
            DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(y, OpAssert.Random(44, -1f, 1f, rows, n))).Backward();
            return [y.ToArray(), x.Grad!.ToArray(), g?.Grad!.ToArray() ?? [], b?.Grad!.ToArray() ?? []];
        }
        finally
        {
            LayerNormKernel.RowKernels = saved;
        }
    }

    [Theory]
    [InlineData(1, 1, true, true)]
    [InlineData(3, 5, true, true)]
    [InlineData(7, 16, false, false)]
    [InlineData(2, 17, true, false)]
    [InlineData(2048, 64, true, true)]   // the vit example's rows
    [InlineData(130, 100, false, true)]
    public void Match_the_reference_rows(int rows, int n, bool gamma, bool beta)
    {
        var reference = Run(false, rows, n, gamma, beta);
        var fast = Run(true, rows, n, gamma, beta);
        OpAssert.Close(reference[0], fast[0], relative: 1e-5, absolute: 2e-6);
        OpAssert.Close(reference[1], fast[1], relative: 1e-4, absolute: 2e-5);
        OpAssert.Close(reference[2], fast[2], relative: 1e-4, absolute: 2e-5);
        OpAssert.Close(reference[3], fast[3], relative: 1e-5, absolute: 1e-5);
    }
}
