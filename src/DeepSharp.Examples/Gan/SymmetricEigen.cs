namespace DeepSharp.Examples;

/// <summary>
/// Eigenvalues and eigenvectors of a real symmetric matrix in double precision, by the cyclic Jacobi method:
/// plane rotations zero the off-diagonal entries one at a time until the matrix is diagonal. Slower than
/// Householder + QR for big matrices, but simple, robust and accurate, and a 128×128 covariance takes
/// milliseconds.
/// </summary>
public static class SymmetricEigen
{
    /// <summary>
    /// Decomposes the symmetric n×n <paramref name="matrix"/> (row-major, n = <paramref name="n"/>) as V·diag(λ)·Vᵀ.
    /// Returns the eigenvalues and the eigenvectors as the columns of the row-major n×n V. Only the upper
    /// triangle is trusted to be symmetric with the lower; a visibly asymmetric input is refused.
    /// </summary>
    public static (double[] Values, double[] Vectors) Decompose(ReadOnlySpan<double> matrix, int n)
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
        for (int i = 0; i < n; i++) v[i * n + i] = 1;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, diagonal = 0;
            for (int i = 0; i < n; i++)
            {
                diagonal += a[i * n + i] * a[i * n + i];
                for (int j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
            }
            if (off <= 1e-30 * diagonal || off == 0) break;
            for (int p = 0; p < n - 1; p++)
                for (int q = p + 1; q < n; q++)
                    Rotate(a, v, n, p, q);
        }
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = a[i * n + i];
        return (values, v);
    }

    /// <summary>One Jacobi rotation in the (p, q) plane that zeroes a[p, q] (and a[q, p]).</summary>
    private static void Rotate(double[] a, double[] v, int n, int p, int q)
    {
        double apq = a[p * n + q];
        if (apq == 0) return;
        double app = a[p * n + p], aqq = a[q * n + q];
        // tan of the rotation angle from the smaller root of t² + 2θt − 1 = 0, θ = (aqq − app) / (2 apq): stable for any θ.
        double theta = (aqq - app) / (2 * apq);
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
        a[p * n + q] = a[q * n + p] = 0;
        for (int k = 0; k < n; k++)
        {
            double vkp = v[k * n + p], vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
        }
    }
}
