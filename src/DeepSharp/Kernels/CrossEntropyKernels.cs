using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// Row-wise categorical cross-entropy on contiguous [rows, classes] data, forward and backward. The softmax
/// kernels take the logits together with their softmax (computed once, by <see cref="SoftmaxKernel"/>), the
/// numerically stable form; the probability kernels follow Keras: normalise the row, clip to [ε, 1 − ε], take
/// the log. Sparse kernels read one class label per row and stop at the first that is not a class index.
/// </summary>
internal static class CrossEntropyKernels
{
    /// <summary>Keras' backend epsilon, used to clip probabilities away from 0 and 1.</summary>
    internal const float Epsilon = 1e-7f;

    /// <summary>Whether <paramref name="label"/> is a class index: a whole number in [0, classes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsClass(float label, int classes)
    {
        int index = (int)label;
        return index == label && (uint)index < (uint)classes;
    }

    /// <summary>The position of the first label that is not a class index, or -1.</summary>
    internal static int FirstInvalidLabel(ReadOnlySpan<float> labels, int classes)
    {
        for (int i = 0; i < labels.Length; i++)
            if (!IsClass(labels[i], classes)) return i;
        return -1;
    }

    // ---- from logits and their softmax -----------------------------------------------------------------
    // −log softmax(x)_j = log Σ e^x − x_j = (x_m − x_j) − log p_m at the largest logit m: p_m is e^0 / Σ e^(x − x_m),
    // never below 1/classes, so its log is safe where a small p_j's would not be; x_m − x_j is taken first, so a
    // large logit does not round the small difference away. A NaN logit is taken as the largest: the loss is NaN.

    /// <summary>
    /// Σ over rows of −log softmax(logits)[label]. Stops at the first row whose label is not a class index and
    /// gives it in <paramref name="invalidRow"/> (-1 when all are).
    /// </summary>
    internal static double SparseFromSoftmax(ReadOnlySpan<float> logits, ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels,
        int classes, out int invalidRow)
    {
        double total = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            if (!IsClass(labels[r], classes))
            {
                invalidRow = r;
                return double.NaN;
            }
            int row = r * classes, m = row + TensorPrimitives.IndexOfMax(logits.Slice(row, classes));
            total += (logits[m] - logits[row + (int)labels[r]]) - MathF.Log(probabilities[m]);
        }
        invalidRow = -1;
        return total;
    }

    /// <summary>d/dlogits = (softmax − onehot) · scale. Rows whose label is not a class index get softmax · scale alone.</summary>
    internal static void SparseSoftmaxBackward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, int classes, float scale, Span<float> gradient)
    {
        TensorPrimitives.Multiply(probabilities, scale, gradient);
        for (int r = 0; r < labels.Length; r++)
            if (IsClass(labels[r], classes)) gradient[r * classes + (int)labels[r]] -= scale;
    }

    /// <summary>Σ over rows of −Σ target · log softmax(logits) = (Σt · x_m − t·x) − Σt · log p_m.</summary>
    internal static double FromSoftmax(ReadOnlySpan<float> logits, ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int classes)
    {
        double total = 0;
        int rows = logits.Length / classes;
        for (int r = 0; r < rows; r++)
        {
            var x = logits.Slice(r * classes, classes);
            var t = targets.Slice(r * classes, classes);
            int m = TensorPrimitives.IndexOfMax(x);
            float targetSum = TensorPrimitives.Sum(t);
            total += (targetSum * x[m] - TensorPrimitives.Dot(t, x)) - targetSum * MathF.Log(probabilities[r * classes + m]);
        }
        return total;
    }

    /// <summary>d/dlogits = (softmax · Σtarget − target) · scale (Σtarget is 1 for one-hot rows).</summary>
    internal static void SoftmaxBackward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int classes, float scale, Span<float> gradient)
    {
        int rows = probabilities.Length / classes;
        for (int r = 0; r < rows; r++)
        {
            var p = probabilities.Slice(r * classes, classes);
            var t = targets.Slice(r * classes, classes);
            var g = gradient.Slice(r * classes, classes);
            float targetSum = TensorPrimitives.Sum(t);
            TensorPrimitives.Multiply(p, targetSum * scale, g);
            TensorPrimitives.MultiplyAdd(t, -scale, g, g);
        }
    }

    // ---- from probabilities (Keras) --------------------------------------------------------------------

    /// <summary>
    /// Keras' sparse cross-entropy on probabilities: −log clip(p[label] / Σp, ε, 1 − ε), summed over rows. Stops at
    /// the first row whose label is not a class index (see <see cref="SparseFromSoftmax"/>).
    /// </summary>
    internal static double SparseFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, int classes, out int invalidRow)
    {
        double total = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            if (!IsClass(labels[r], classes))
            {
                invalidRow = r;
                return double.NaN;
            }
            var p = probabilities.Slice(r * classes, classes);
            float q = Math.Clamp(p[(int)labels[r]] / TensorPrimitives.Sum(p), Epsilon, 1f - Epsilon);
            total -= MathF.Log(q);
        }
        invalidRow = -1;
        return total;
    }

    /// <summary>
    /// Gradient of <see cref="SparseFromProbabilities"/>: with S = Σp and l the label, ∂/∂p_j is
    /// 1/S − [j = l]/p_l where the clip is inactive, 0 where it clips (and in a row whose label is not a class).
    /// </summary>
    internal static void SparseProbabilityBackward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, int classes, float scale, Span<float> gradient)
    {
        for (int r = 0; r < labels.Length; r++)
        {
            var p = probabilities.Slice(r * classes, classes);
            var g = gradient.Slice(r * classes, classes);
            if (!IsClass(labels[r], classes))
            {
                g.Clear();
                continue;
            }
            int label = (int)labels[r];
            float sum = TensorPrimitives.Sum(p);
            float q = p[label] / sum;
            if (q < Epsilon || q > 1f - Epsilon)
            {
                g.Clear();
                continue;
            }
            g.Fill(scale / sum);
            g[label] -= scale / p[label];
        }
    }

    /// <summary>Keras' categorical cross-entropy on probabilities: −Σ t · log clip(p / Σp, ε, 1 − ε), summed over rows.</summary>
    internal static double FromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int classes)
    {
        double total = 0;
        int rows = probabilities.Length / classes;
        for (int r = 0; r < rows; r++)
        {
            var p = probabilities.Slice(r * classes, classes);
            var t = targets.Slice(r * classes, classes);
            float sum = TensorPrimitives.Sum(p);
            for (int j = 0; j < classes; j++)
                if (t[j] != 0) total -= t[j] * MathF.Log(Math.Clamp(p[j] / sum, Epsilon, 1f - Epsilon));
        }
        return total;
    }

    /// <summary>
    /// Gradient of <see cref="FromProbabilities"/>: with q = p/S, ∂/∂p_j = (Σ_{i unclipped} t_i)/S − t_j/p_j
    /// (the second term only where q_j is unclipped).
    /// </summary>
    internal static void ProbabilityBackward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int classes, float scale, Span<float> gradient)
    {
        int rows = probabilities.Length / classes;
        for (int r = 0; r < rows; r++)
        {
            var p = probabilities.Slice(r * classes, classes);
            var t = targets.Slice(r * classes, classes);
            var g = gradient.Slice(r * classes, classes);
            float sum = TensorPrimitives.Sum(p);
            float activeTargets = 0;
            for (int j = 0; j < classes; j++)
            {
                float q = p[j] / sum;
                bool active = q >= Epsilon && q <= 1f - Epsilon;
                g[j] = active ? -scale * t[j] / p[j] : 0f;
                if (active) activeTargets += t[j];
            }
            TensorPrimitives.Add(g, scale * activeTargets / sum, g);
        }
    }
}
