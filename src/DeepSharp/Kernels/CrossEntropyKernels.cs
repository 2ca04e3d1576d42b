using System.Numerics.Tensors;

namespace DeepSharp.Kernels;

/// <summary>
/// Row-wise cross-entropy forward and backward on contiguous [rows, classes] data, each a single pass per
/// row. "Logits" kernels fuse the softmax (or sigmoid) into the loss, the numerically stable form; the
/// probability kernels follow Keras: normalise the row, clip to [ε, 1 − ε], take the log.
/// </summary>
internal static class CrossEntropyKernels
{
    /// <summary>Keras' backend epsilon, used to clip probabilities away from 0 and 1.</summary>
    internal const float Epsilon = 1e-7f;

    /// <summary>
    /// Sum over rows of −log softmax(logits)[label]; writes softmax into <paramref name="probabilities"/>
    /// for backward.
    /// </summary>
    internal static double SparseSoftmaxForward(ReadOnlySpan<float> logits, ReadOnlySpan<float> labels, int classes, Span<float> probabilities)
    {
        if (classes is > 0 and < SoftmaxKernel.SmallRow && Simd.Level == SimdLevel.Vector512)
            return SparseSoftmaxForwardShort(logits, labels, classes, probabilities);
        double total = 0;
        int rows = labels.Length;
        for (int r = 0; r < rows; r++)
        {
            var x = logits.Slice(r * classes, classes);
            var p = probabilities.Slice(r * classes, classes);
            float logSumExp = LogSoftmaxRow(x, p);
            total += logSumExp - x[(int)labels[r]];
            VectorLoop.Map(new ExpFunction(), p, p);
        }
        return total;
    }

    /// <summary>d/dlogits = (softmax − onehot) · scale.</summary>
    /// <summary>
    /// <see cref="SparseSoftmaxForward"/> for rows shorter than a vector (10 classes): each row in one vector, as
    /// the softmax activation's short rows.
    /// </summary>
    private static unsafe double SparseSoftmaxForwardShort(ReadOnlySpan<float> logits, ReadOnlySpan<float> labels, int classes, Span<float> probabilities)
    {
        fixed (float* x = logits)
        fixed (float* l = labels)
        fixed (float* p = probabilities)
            return SoftmaxKernel.ShortRows(x, p, labels.Length, classes, log: false, l);
    }

    internal static void SparseSoftmaxBackward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, int classes, float scale, Span<float> gradient)
    {
        TensorPrimitives.Multiply(probabilities, scale, gradient);
        for (int r = 0; r < labels.Length; r++) gradient[r * classes + (int)labels[r]] -= scale;
    }

    /// <summary>Sum over rows of −Σ target · log softmax(logits); writes softmax for backward.</summary>
    internal static double SoftmaxForward(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int classes, Span<float> probabilities)
    {
        double total = 0;
        int rows = logits.Length / classes;
        for (int r = 0; r < rows; r++)
        {
            var x = logits.Slice(r * classes, classes);
            var t = targets.Slice(r * classes, classes);
            var p = probabilities.Slice(r * classes, classes);
            LogSoftmaxRow(x, p);
            total -= TensorPrimitives.Dot(t, p);
            VectorLoop.Map(new ExpFunction(), p, p);
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

    /// <summary>Writes log softmax of <paramref name="x"/> into <paramref name="destination"/>; returns log Σ exp(x).</summary>
    private static float LogSoftmaxRow(ReadOnlySpan<float> x, Span<float> destination)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, destination);
        VectorLoop.Map(new ExpFunction(), destination, destination);
        float logSum = MathF.Log(TensorPrimitives.Sum(destination));
        TensorPrimitives.Subtract(x, max + logSum, destination);
        return max + logSum;
    }

    /// <summary>
    /// Keras' sparse cross-entropy on probabilities: −log clip(p[label] / Σp, ε, 1 − ε), summed over rows.
    /// </summary>
    internal static double SparseProbabilityForward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, int classes)
    {
        double total = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            var p = probabilities.Slice(r * classes, classes);
            float q = Math.Clamp(p[(int)labels[r]] / TensorPrimitives.Sum(p), Epsilon, 1f - Epsilon);
            total -= MathF.Log(q);
        }
        return total;
    }

    /// <summary>
    /// Gradient of <see cref="SparseProbabilityForward"/>: with S = Σp and l the label, ∂/∂p_j is
    /// 1/S − [j = l]/p_l where the clip is inactive, 0 where it clips.
    /// </summary>
    internal static void SparseProbabilityBackward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, int classes, float scale, Span<float> gradient)
    {
        for (int r = 0; r < labels.Length; r++)
        {
            var p = probabilities.Slice(r * classes, classes);
            var g = gradient.Slice(r * classes, classes);
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
    internal static double ProbabilityForward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int classes)
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
    /// Gradient of <see cref="ProbabilityForward"/>: with q = p/S, ∂/∂p_j = (Σ_{i unclipped} t_i)/S − t_j/p_j
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

    /// <summary>
    /// Binary cross-entropy from logits, the stable form max(x, 0) − x·z + log(1 + e^−|x|), summed; writes
    /// sigmoid(x) for backward.
    /// </summary>
    internal static double SigmoidForward(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> sigmoid)
    {
        double total = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            float x = logits[i], z = targets[i];
            total += MathF.Max(x, 0) - x * z + MathF.Log(1 + MathF.Exp(-MathF.Abs(x)));
        }
        VectorLoop.Map(new SigmoidFunction(), logits, sigmoid);
        return total;
    }

    /// <summary>Binary cross-entropy on probabilities clipped to [ε, 1 − ε], summed; as Keras.</summary>
    internal static double BinaryProbabilityForward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets)
    {
        double total = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            float p = Math.Clamp(probabilities[i], Epsilon, 1f - Epsilon), z = targets[i];
            total -= z * MathF.Log(p) + (1 - z) * MathF.Log(1 - p);
        }
        return total;
    }

    /// <summary>∂/∂p = (p − z) / (p(1 − p)) · scale where p is unclipped, else 0.</summary>
    internal static void BinaryProbabilityBackward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, float scale, Span<float> gradient)
    {
        for (int i = 0; i < probabilities.Length; i++)
        {
            float p = probabilities[i];
            gradient[i] = p < Epsilon || p > 1f - Epsilon ? 0f : scale * (p - targets[i]) / (p * (1 - p));
        }
    }
}
