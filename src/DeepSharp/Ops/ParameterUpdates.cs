using System.Numerics.Tensors;

namespace DeepSharp;

/// <summary>
/// In-place updates of weights and optimizer state (no graph): the seam between optimizers and the
/// kernels, so that optimizers never touch tensor memory themselves.
/// </summary>
internal static class ParameterUpdates
{
    /// <summary>w -= factor · w (decoupled weight decay).</summary>
    internal static void Decay(Tensor variable, float factor)
    {
        var w = variable.Span;
        TensorPrimitives.Multiply(w, 1f - factor, w);
    }

    /// <summary>w -= lr · g.</summary>
    internal static void Sgd(Tensor variable, Tensor gradient, float learningRate)
    {
        var w = variable.Span;
        TensorPrimitives.MultiplyAdd(gradient.Span, -learningRate, w, w);
    }

    /// <summary>v = momentum·v − lr·g; w += v (Nesterov: w += momentum·v − lr·g), as Keras' SGD.</summary>
    internal static void SgdMomentum(Tensor variable, Tensor gradient, Tensor velocity, float learningRate, float momentum, bool nesterov)
    {
        Span<float> w = variable.Span, v = velocity.Span;
        ReadOnlySpan<float> g = gradient.Span;
        for (int i = 0; i < w.Length; i++)
        {
            float vi = momentum * v[i] - learningRate * g[i];
            v[i] = vi;
            w[i] += nesterov ? momentum * vi - learningRate * g[i] : vi;
        }
    }
}
