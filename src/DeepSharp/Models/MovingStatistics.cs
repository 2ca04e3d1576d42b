namespace DeepSharp;

/// <summary>
/// The weights that training changes without gradients: the moving mean and variance of every
/// <see cref="BatchNormalization"/> layer that trains (a frozen one keeps its statistics). Each rank of a
/// data-parallel run updates them from its own part of the batch, so they drift apart unless averaged: Fit averages
/// them with every step's gradients, and a custom loop passes them to <see cref="DistributedOptimizer.AveragedState"/>.
/// </summary>
public static class MovingStatistics
{
    /// <summary>The moving statistics of <paramref name="model"/>'s trainable batch normalization layers, nested models included, in layer order.</summary>
    public static IReadOnlyList<Tensor> Of(Layer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var found = new List<Tensor>();
        Collect(model, found, new HashSet<Layer>(ReferenceEqualityComparer.Instance));
        return found;
    }

    private static void Collect(Layer layer, List<Tensor> found, HashSet<Layer> seen)
    {
        if (!seen.Add(layer) || !layer.Trainable) return;
        if (layer is BatchNormalization { IsBuilt: true } bn)
        {
            found.Add(bn.MovingMean);
            found.Add(bn.MovingVariance);
        }
        else if (layer is Model model)
            foreach (var child in model.Layers) Collect(child, found, seen);
    }
}
