namespace DeepSharp.Tests.Distributed;

/// <summary>
/// The small linear model of the averager tests: w (3 × 2) and b (2), trained with SGD(0.1) through a
/// <see cref="DistributedOptimizer"/> whose buckets of 4 values hold {b} | {w}, backward writing the gradients straight
/// into the buckets.
/// </summary>
internal sealed class BucketedLinearModel
{
    public readonly Tensor W = Tensor.FromArray([0.5f, -1f, 2f, 0.25f, 1.5f, -0.75f], 3, 2).WithRequiresGrad();
    public readonly Tensor B = Tensor.FromArray([0.1f, -0.2f], 2).WithRequiresGrad();
    public readonly DistributedOptimizer Optimizer;
    public readonly Tensor[] Variables;

    public BucketedLinearModel(ICommunicator communicator)
    {
        Optimizer = new DistributedOptimizer(new SGD(0.1f), communicator, bucketValues: 4);
        Variables = [W, B];
    }

    /// <summary>x·w + b.</summary>
    public Tensor Forward(Tensor x) => DeepSharp.Ops.Add(DeepSharp.Ops.MatMul(x, W), B);

    /// <summary>
    /// Backward from <paramref name="loss"/> (seeded with <paramref name="seed"/>, or 1) fills the buckets and the exchange
    /// averages them (over <paramref name="totalWeight"/> when it is known, see <see cref="DistributedOptimizer"/>): the
    /// averaged gradients.
    /// </summary>
    public IReadOnlyList<Tensor?> Averaged(Tensor loss, Tensor? seed = null, float totalWeight = 0)
    {
        var listener = Optimizer.BeginExchange(Variables, 1f, default, gradientsInBuckets: true, totalWeight);
        GradientEngine.BackwardTo(loss, seed, retainGraph: false, Variables, results: null, listener);
        return Optimizer.EndExchange(default);
    }

    /// <summary>SGD applies the <paramref name="averaged"/> gradients, then they are zeroed for the next step.</summary>
    public void Apply(IReadOnlyList<Tensor?> averaged)
    {
        Optimizer.Optimizer.ApplyGradients(averaged, Variables);
        W.ZeroGrad();
        B.ZeroGrad();
    }
}
