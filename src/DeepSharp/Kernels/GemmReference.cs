namespace DeepSharp.Kernels;

/// <summary>
/// A plain triple-loop GEMM (double accumulation): slow, obviously right. Tests compare the fast kernel
/// against it on odd shapes and every transpose combination.
/// </summary>
internal static unsafe class GemmReference
{
    internal static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[(long)i * ldc + j] : 0.0;
                for (int p = 0; p < k; p++)
                {
                    float av = transposeA ? a[(long)p * lda + i] : a[(long)i * lda + p];
                    float bv = transposeB ? b[(long)j * ldb + p] : b[(long)p * ldb + j];
                    sum += (double)av * bv;
                }
                c[(long)i * ldc + j] = (float)sum;
            }
        }
    }
}
