using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A random orthogonal matrix times <see cref="Gain"/>, as Keras' <c>Orthogonal</c> (the default for
/// recurrent kernels). The weight is viewed as a matrix [product of all but the last dimension, last];
/// its rows (or columns, whichever are fewer) are orthonormal.
/// </summary>
public sealed class Orthogonal(float gain = 1f, long? seed = null) : RandomInitializer(seed)
{
    /// <summary>The factor the orthogonal matrix is multiplied by.</summary>
    public float Gain { get; } = gain;

    /// <inheritdoc/>
    public override string Name => "orthogonal";

    /// <inheritdoc/>
    public override void Fill(Span<float> values, TensorShape shape, RandomGenerator random)
    {
        if (shape.Rank < 2)
            throw new ArgumentException($"Orthogonal initializer: needs a weight of rank 2 or more, got shape {shape}.", nameof(shape));
        var rng = GeneratorFor(random);
        int columns = shape[-1];
        int rows = shape.Size / Math.Max(1, columns);
        // QR of a tall Gaussian matrix [long, short]: Q's columns are orthonormal. Signs follow R's
        // diagonal so the result is uniformly distributed over orthogonal matrices.
        int tall = Math.Max(rows, columns), narrow = Math.Min(rows, columns);
        var q = new double[tall, narrow];
        for (int i = 0; i < tall; i++)
            for (int j = 0; j < narrow; j++) q[i, j] = rng.NextNormal();
        for (int j = 0; j < narrow; j++)
        {
            for (int p = 0; p < j; p++)
            {
                double dot = 0;
                for (int i = 0; i < tall; i++) dot += q[i, p] * q[i, j];
                for (int i = 0; i < tall; i++) q[i, j] -= dot * q[i, p];
            }
            double norm = 0;
            for (int i = 0; i < tall; i++) norm += q[i, j] * q[i, j];
            norm = Math.Sqrt(norm);
            // Gram–Schmidt's R diagonal is the (positive) norm, so Q already carries the sign convention.
            for (int i = 0; i < tall; i++) q[i, j] /= norm;
        }
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                values[r * columns + c] = (float)(Gain * (rows >= columns ? q[r, c] : q[c, r]));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["gain"] = Gain, ["seed"] = Seed };
}
