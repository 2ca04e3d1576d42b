namespace DeepSharp.Kernels;

/// <summary>
/// Eigenvalues and eigenvectors of a real symmetric matrix in double precision, by the cyclic Jacobi method: each plane
/// rotation zeroes one off-diagonal pair, and sweeps repeat until the off-diagonal part is negligible. Slower than
/// Householder + QR for big matrices, but simple, robust and accurate: O(n³) per sweep, meant for covariance matrices of
/// modest size (ZCA whitening of small images, the Fréchet distance of GAN samples), not for hot loops.
/// </summary>
internal static class SymmetricEigen
{
    /// <summary>
    /// Decomposes the symmetric n×n <paramref name="matrix"/> (row-major, n = <paramref name="n"/>) as V·diag(λ)·Vᵀ.
    /// Returns the eigenvalues and the eigenvectors as the columns of the row-major n×n V. Only the upper triangle is
    /// trusted to be symmetric with the lower; a visibly asymmetric or non-finite input is refused.
    /// </summary>
    internal static (double[] Values, double[] Vectors) Decompose(ReadOnlySpan<double> matrix, int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, $"SymmetricEigen: the size must be at least 1; got {n}.");
        if (matrix.Length != n * n)
            throw new ArgumentException($"SymmetricEigen: a {n}×{n} matrix has {n * n} values; got {matrix.Length}.", nameof(matrix));
        double scale = 0;
        foreach (double value in matrix)
        {
            if (!double.IsFinite(value)) throw new ArgumentException($"SymmetricEigen: the matrix holds the value {value}; all values must be finite.", nameof(matrix));
            scale = Math.Max(scale, Math.Abs(value));
        }
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (Math.Abs(matrix[i * n + j] - matrix[j * n + i]) > 1e-9 * Math.Max(scale, 1e-300))
                    throw new ArgumentException(
                        $"SymmetricEigen: the matrix is not symmetric: entry ({i}, {j}) is {matrix[i * n + j]} but ({j}, {i}) is {matrix[j * n + i]}.", nameof(matrix));

        var a = matrix.ToArray();
        var v = new double[n * n];
        Decompose(a, v, n);
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = a[i * n + i];
        return (values, v);
    }

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
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, diagonal = 0;
            for (int p = 0; p < n; p++)
            {
                diagonal += matrix[p * n + p] * matrix[p * n + p];
                for (int q = p + 1; q < n; q++) off += matrix[p * n + q] * matrix[p * n + q];
            }
            if (off <= 1e-30 * diagonal || off == 0) return;
            for (int p = 0; p < n - 1; p++)
                for (int q = p + 1; q < n; q++)
                    Rotate(matrix, vectors, n, p, q);
        }
    }

    /// <summary>The rotation in the (p, q) plane that zeroes a[p, q], applied to the matrix from both sides and to the vectors.</summary>
    private static void Rotate(Span<double> a, Span<double> v, int n, int p, int q)
    {
        double apq = a[p * n + q];
        if (apq == 0) return;
        // tan of the angle from the smaller root of t² + 2θt − 1 = 0, θ = (a_qq − a_pp) / 2a_pq: stable for any θ.
        double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
        if (theta == 0) t = 1;
        double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; k++)
        {
            // columns p and q of A·J
            double akp = a[k * n + p], akq = a[k * n + q];
            a[k * n + p] = c * akp - s * akq;
            a[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++)
        {
            // rows p and q of Jᵀ·(A·J)
            double apk = a[p * n + k], aqk = a[q * n + k];
            a[p * n + k] = c * apk - s * aqk;
            a[q * n + k] = s * apk + c * aqk;
        }
        // Exactly zero, not the rounding residue, so that the convergence test sees the pair done.
        a[p * n + q] = a[q * n + p] = 0;
        for (int k = 0; k < n; k++)
        {
            double vkp = v[k * n + p], vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
        }
    }
}
