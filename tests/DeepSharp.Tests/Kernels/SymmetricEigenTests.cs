using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

public class SymmetricEigenTests
{
    [Fact]
    public void Eigendecomposition_reconstructs_the_matrix_with_orthonormal_vectors()
    {
        var random = new Random(5);
        const int n = 12;
        var b = new double[n * n];
        for (int i = 0; i < b.Length; i++) b[i] = random.NextDouble() * 2 - 1;
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                a[i * n + j] = b[i * n + j] + b[j * n + i];

        var (values, v) = SymmetricEigen.Decompose(a, n);

        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double rebuilt = 0, dot = 0;
                for (int k = 0; k < n; k++)
                {
                    rebuilt += v[i * n + k] * values[k] * v[j * n + k];
                    dot += v[k * n + i] * v[k * n + j];
                }
                Assert.Equal(a[i * n + j], rebuilt, 1e-10);
                Assert.Equal(i == j ? 1.0 : 0.0, dot, 1e-12);
            }
    }

    [Fact]
    public void Eigenvalues_of_a_known_matrix()
    {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        var (values, _) = SymmetricEigen.Decompose([2, 1, 1, 2], 2);
        Assert.Equal(new[] { 1.0, 3.0 }, values.Order().ToArray(), new ToleranceComparer(1e-14));
        Assert.Contains("not symmetric", Assert.Throws<ArgumentException>(() => SymmetricEigen.Decompose([1, 2, 3, 4], 2)).Message);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
