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

    /// <summary>Computes the loss; see <see cref="Compute(Tensor, Tensor)"/>.</summary>
    protected abstract Tensor ComputeCore(Tensor targets, Tensor predictions);

    /// <summary>The loss of a model's predictions, knowing (from Compile) what its output layer applies last.</summary>
    internal Tensor Compute(Tensor targets, Tensor predictions, OutputActivation output)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(predictions);
        return ComputeFor(targets, predictions, output);
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
