namespace DeepSharp.Kernels;

/// <summary>
/// Eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi rotations, in double: each rotation zeroes
/// one off-diagonal pair, sweeps repeat until the off-diagonal part is negligible. Simple and accurate; O(n³) per
/// sweep, so meant for covariance matrices of modest size (ZCA whitening of small images), not for hot loops.
/// </summary>
internal static class SymmetricEigen
{
    /// <summary>
    /// Decomposes the n×n symmetric <paramref name="matrix"/> (row-major, overwritten): on return its diagonal holds
    /// the eigenvalues and <paramref name="vectors"/> (n×n, row-major) their eigenvectors as columns.
    /// </summary>
    internal static void Decompose(Span<double> matrix, Span<double> vectors, int n)
    {
        if (matrix.Length < n * n || vectors.Length < n * n)
            throw new ArgumentException($"SymmetricEigen: buffers of {matrix.Length} and {vectors.Length} values for a {n}×{n} matrix.");
        vectors[..(n * n)].Clear();
        for (int i = 0; i < n; i++) vectors[i * n + i] = 1;
        double scale = 0;
        for (int i = 0; i < n * n; i++) scale += matrix[i] * matrix[i];
        if (scale == 0) return;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++) off += matrix[p * n + q] * matrix[p * n + q];
            if (off <= 1e-30 * scale) return;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                    Rotate(matrix, vectors, n, p, q);
        }
    }

    /// <summary>The rotation in the (p, q) plane that zeroes a[p, q], applied to the matrix from both sides and to the vectors.</summary>
    private static void Rotate(Span<double> a, Span<double> v, int n, int p, int q)
    {
        double apq = a[p * n + q];
        if (apq == 0) return;
        // tan of the angle from the 2×2 problem: t = sign(θ) / (|θ| + sqrt(θ² + 1)), θ = (a_qq − a_pp) / 2a_pq.
        double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
        if (theta == 0) t = 1;
        double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; k++)
        {
            double akp = a[k * n + p], akq = a[k * n + q];
            a[k * n + p] = c * akp - s * akq;
            a[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++)
        {
            double apk = a[p * n + k], aqk = a[q * n + k];
            a[p * n + k] = c * apk - s * aqk;
            a[q * n + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < n; k++)
        {
            double vkp = v[k * n + p], vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
        }
    }
}
