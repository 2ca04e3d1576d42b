using DeepSharp.Kernels;

namespace DeepSharp.Examples;

/// <summary>
/// The Fréchet distance between two Gaussians fitted to feature vectors (the measure behind FID):
/// ‖μ₁ − μ₂‖² + Tr(Σ₁) + Tr(Σ₂) − 2·Tr((Σ₁Σ₂)^½). Everything is computed in double precision. The trace
/// of (Σ₁Σ₂)^½ is taken through the symmetric PSD form Σ₁^½·Σ₂·Σ₁^½, which has the same eigenvalues as
/// Σ₁Σ₂, so two symmetric eigendecompositions suffice and no complex arithmetic arises.
/// </summary>
public static class FrechetDistance
{
    /// <summary>The mean (length d) and the sample covariance (d×d, row-major, divided by n − 1) of n rows of d features.</summary>
    public static (double[] Mean, double[] Covariance) Statistics(ReadOnlySpan<float> features, int rows, int dims)
    {
        if (rows < 2) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"FrechetDistance: statistics need at least 2 samples; got {rows}.");
        if (dims < 1) throw new ArgumentOutOfRangeException(nameof(dims), dims, $"FrechetDistance: features need at least 1 dimension; got {dims}.");
        if (features.Length != rows * dims)
            throw new ArgumentException($"FrechetDistance: {rows} samples of {dims} features are {rows * dims} values; got {features.Length}.", nameof(features));
        var mean = new double[dims];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < dims; j++) mean[j] += features[r * dims + j];
        for (int j = 0; j < dims; j++) mean[j] /= rows;
        var covariance = new double[dims * dims];
        var centred = new double[dims];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < dims; j++) centred[j] = features[r * dims + j] - mean[j];
            for (int i = 0; i < dims; i++)
            {
                double ci = centred[i];
                if (ci == 0) continue;
                for (int j = i; j < dims; j++) covariance[i * dims + j] += ci * centred[j];
            }
        }
        for (int i = 0; i < dims; i++)
            for (int j = i; j < dims; j++)
                covariance[j * dims + i] = covariance[i * dims + j] /= rows - 1;
        return (mean, covariance);
    }

    /// <summary>The Fréchet distance between the Gaussians fitted to two sets of feature rows (each [rows, dims]).</summary>
    public static double Between(ReadOnlySpan<float> features1, int rows1, ReadOnlySpan<float> features2, int rows2, int dims)
    {
        var (mean1, covariance1) = Statistics(features1, rows1, dims);
        var (mean2, covariance2) = Statistics(features2, rows2, dims);
        return Compute(mean1, covariance1, mean2, covariance2);
    }

    /// <summary>The Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂); covariances are d×d row-major, symmetric and positive semi-definite.</summary>
    public static double Compute(ReadOnlySpan<double> mean1, ReadOnlySpan<double> covariance1, ReadOnlySpan<double> mean2, ReadOnlySpan<double> covariance2)
    {
        int d = mean1.Length;
        if (d == 0) throw new ArgumentException("FrechetDistance: the means are empty.", nameof(mean1));
        if (mean2.Length != d)
            throw new ArgumentException($"FrechetDistance: the means have different lengths, {d} and {mean2.Length}.", nameof(mean2));
        if (covariance1.Length != d * d || covariance2.Length != d * d)
            throw new ArgumentException(
                $"FrechetDistance: means of length {d} need {d}×{d} covariances ({d * d} values); got {covariance1.Length} and {covariance2.Length}.");

        double meanTerm = 0, trace1 = 0, trace2 = 0;
        for (int i = 0; i < d; i++)
        {
            double diff = mean1[i] - mean2[i];
            meanTerm += diff * diff;
            trace1 += covariance1[i * d + i];
            trace2 += covariance2[i * d + i];
        }
        var root1 = SquareRoot(covariance1, d);
        var product = Multiply(Multiply(root1, covariance2.ToArray(), d), root1, d);
        Symmetrize(product, d);
        var (values, _) = SymmetricEigen.Decompose(product, d);
        double traceRoot = 0;
        foreach (double value in values) traceRoot += Math.Sqrt(Math.Max(value, 0)); // tiny negative eigenvalues are rounding
        return Math.Max(meanTerm + trace1 + trace2 - 2 * traceRoot, 0);
    }

    /// <summary>The symmetric PSD square root V·diag(√max(λ, 0))·Vᵀ of a symmetric matrix.</summary>
    public static double[] SquareRoot(ReadOnlySpan<double> matrix, int d)
    {
        var (values, vectors) = SymmetricEigen.Decompose(matrix, d);
        var root = new double[d * d];
        for (int k = 0; k < d; k++)
        {
            double s = Math.Sqrt(Math.Max(values[k], 0));
            if (s == 0) continue;
            for (int i = 0; i < d; i++)
            {
                double vik = vectors[i * d + k] * s;
                if (vik == 0) continue;
                for (int j = 0; j < d; j++) root[i * d + j] += vik * vectors[j * d + k];
            }
        }
        return root;
    }

    private static double[] Multiply(double[] a, double[] b, int d)
    {
        var c = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int k = 0; k < d; k++)
            {
                double aik = a[i * d + k];
                if (aik == 0) continue;
                for (int j = 0; j < d; j++) c[i * d + j] += aik * b[k * d + j];
            }
        return c;
    }

    /// <summary>Averages the matrix with its transpose, removing the rounding asymmetry of a product.</summary>
    private static void Symmetrize(double[] m, int d)
    {
        for (int i = 0; i < d; i++)
            for (int j = i + 1; j < d; j++)
                m[i * d + j] = m[j * d + i] = 0.5 * (m[i * d + j] + m[j * d + i]);
    }
}
