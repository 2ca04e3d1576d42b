using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A training objective, as Keras' <c>keras.losses</c>: <see cref="Compute(Tensor, Tensor)"/> returns the mean over the
/// batch (Keras' default reduction, sum_over_batch_size) as a scalar tensor in the graph. Accepts a name
/// where a loss is expected: <c>loss: "sparse_categorical_crossentropy"</c>.
/// </summary>
public abstract class Loss
{
    /// <summary>The Keras name ("mean_squared_error").</summary>
    public abstract string Name { get; }

    /// <summary>The loss of <paramref name="predictions"/> against <paramref name="targets"/>: a scalar tensor.</summary>
    public Tensor Compute(Tensor targets, Tensor predictions)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(predictions);
        return ComputeCore(targets, predictions);
    }

    /// <summary>
    /// The loss with a weight per sample (Keras' <c>sample_weight</c>), reduced as Keras' default
    /// "sum_over_batch_size": Σᵢ wᵢ·lᵢ / n over the n samples of the batch — not divided by Σ w. Null weights are
    /// <see cref="Compute(Tensor, Tensor)"/>. Works for any loss whose value is the mean of per-sample losses.
    /// </summary>
    public Tensor Compute(Tensor targets, Tensor predictions, Tensor? sampleWeight)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(predictions);
        return sampleWeight is null ? ComputeCore(targets, predictions) : Weighted(targets, predictions, sampleWeight, OutputActivation.Unknown);
    }

    /// <summary>Computes the loss; see <see cref="Compute(Tensor, Tensor)"/>.</summary>
    protected abstract Tensor ComputeCore(Tensor targets, Tensor predictions);

    /// <summary>The loss of a model's predictions, knowing (from Compile) what its output layer applies last.</summary>
    internal Tensor Compute(Tensor targets, Tensor predictions, OutputActivation output)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(predictions);
        return ComputeFor(targets, predictions, output);
    }

    /// <summary>The weighted loss of a model's predictions; see <see cref="Compute(Tensor, Tensor, Tensor?)"/>.</summary>
    internal Tensor Compute(Tensor targets, Tensor predictions, OutputActivation output, Tensor? sampleWeight) =>
        sampleWeight is null ? Compute(targets, predictions, output) : Weighted(targets, predictions, sampleWeight, output);

    /// <summary>
    /// Σᵢ wᵢ·lᵢ / n from the loss alone: the samples that share a weight are one group, and a group's mean loss
    /// times its weight and its share of the batch adds up to that sum. Class weights give as many groups as classes;
    /// the batch is used as it is when all weights are equal.
    /// </summary>
    private Tensor Weighted(Tensor targets, Tensor predictions, Tensor sampleWeight, OutputActivation output)
    {
        int n = predictions.Rank == 0 ? 1 : predictions.Shape[0];
        if (sampleWeight.Size != n || targets.Rank == 0 || targets.Shape[0] != n)
            throw new ArgumentException(
                $"{Name}: sample_weight has {sampleWeight.Size} values (shape {sampleWeight.Shape}) for {n} samples " +
                $"(predictions {predictions.Shape}, targets {targets.Shape}); give one weight per sample.", nameof(sampleWeight));
        var weights = sampleWeight.ToArray();
        var groups = new List<(float Weight, List<int> Samples)>();
        var groupOf = new Dictionary<float, int>();
        for (int i = 0; i < n; i++)
        {
            float w = weights[i];
            if (!float.IsFinite(w) || w < 0)
                throw new ArgumentException($"{Name}: sample_weight[{i}] is {w}; weights must be finite and >= 0.", nameof(sampleWeight));
            if (!groupOf.TryGetValue(w, out int g))
            {
                groupOf[w] = g = groups.Count;
                groups.Add((w, []));
            }
            groups[g].Samples.Add(i);
        }
        Tensor? total = null;
        foreach (var (weight, samples) in groups)
        {
            if (weight == 0 && groups.Count > 1) continue;
            var loss = samples.Count == n
                ? ComputeFor(targets, predictions, output)
                : ComputeFor(Ops.Gather(targets, samples.ToArray()), Ops.Gather(predictions, samples.ToArray()), output);
            var term = Ops.Multiply(loss, (float)((double)weight * samples.Count / n));
            total = total is null ? term : total + term;
        }
        return total!;
    }

    /// <summary>
    /// Computes the loss of predictions made by <paramref name="output"/>; losses that can use the activation's input
    /// (the cross-entropies) override it, the others compute <see cref="ComputeCore"/>.
    /// </summary>
    private protected virtual Tensor ComputeFor(Tensor targets, Tensor predictions, OutputActivation output) => ComputeCore(targets, predictions);

    /// <summary>
    /// Checks a whole target tensor against the model's per-sample output shape before training starts
    /// (labels in range, matching sizes), so a bad label fails fast with a clear message.
    /// </summary>
    public virtual void ValidateTargets(Tensor targets, TensorShape outputShape)
    {
    }

    /// <summary>The arguments that recreate this loss.</summary>
    public virtual JsonObject GetConfig() => new() { ["name"] = Name };

    /// <summary>The loss a Keras name stands for.</summary>
    public static implicit operator Loss(string name) => Losses.Get(name);
}
