using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Fills a new weight with its starting values, as Keras' <c>keras.initializers</c>. Accepts a name where an
/// initializer is expected: <c>kernelInitializer: "he_normal"</c>.
/// </summary>
public abstract class Initializer
{
    /// <summary>The Keras name of this initializer ("glorot_uniform").</summary>
    public abstract string Name { get; }

    /// <summary>Writes starting values for a weight of <paramref name="shape"/> into <paramref name="values"/>.</summary>
    public abstract void Fill(Span<float> values, TensorShape shape, RandomGenerator random);

    /// <summary>A new tensor of <paramref name="shape"/> with this initializer's values (outside any scope).</summary>
    public Tensor Create(TensorShape shape, RandomGenerator? random = null)
    {
        using var unscoped = TensorScope.Suspend();
        var values = new float[shape.Size];
        Fill(values, shape, random ?? RandomGenerator.Default);
        return shape.Rank == 0 ? Tensor.Scalar(values[0]) : Tensor.FromArray(values, shape.Dims);
    }

    /// <summary>The arguments that recreate this initializer (Keras' <c>get_config</c>).</summary>
    public virtual JsonObject GetConfig() => [];

    /// <summary>The initializer a Keras name stands for.</summary>
    public static implicit operator Initializer(string name) => Initializers.Get(name);

    /// <summary>
    /// Keras' fan-in and fan-out of a weight shape: a Dense kernel [in, out] has fans (in, out); a
    /// convolution kernel [h, w, in, out] multiplies both by the receptive field h·w.
    /// </summary>
    public static (double FanIn, double FanOut) ComputeFans(TensorShape shape)
    {
        switch (shape.Rank)
        {
            case 0: return (1, 1);
            case 1: return (shape[0], shape[0]);
            case 2: return (shape[0], shape[1]);
            default:
                double receptive = 1;
                for (int i = 0; i < shape.Rank - 2; i++) receptive *= shape[i];
                return (shape[-2] * receptive, shape[-1] * receptive);
        }
    }
}
