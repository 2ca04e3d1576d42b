namespace DeepSharp.Tests.Optimizers;

/// <summary>A training step allocates no managed memory once the optimizer state exists.</summary>
public class OptimizerAllocationTests
{
    public static TheoryData<string> Names => new() { "sgd", "sgd_momentum", "adam", "amsgrad", "adamw", "rmsprop", "rmsprop_centered", "adagrad", "nadam", "adamax", "adadelta", "adam_global_clipnorm", "adam_schedule" };

    private static Optimizer Create(string name) => name switch
    {
        "sgd_momentum" => new SGD(momentum: 0.9f, nesterov: true),
        "amsgrad" => new Adam(amsgrad: true),
        "rmsprop_centered" => new RMSprop(momentum: 0.9f, centered: true, clipNorm: 1f),
        "adam_global_clipnorm" => new Adam(globalClipNorm: 1f, clipValue: null),
        "adam_schedule" => new Adam(new CosineDecay(1e-3, 100, warmupTarget: 1e-2, warmupSteps: 10), clipValue: 0.5f),
        _ => global::DeepSharp.Optimizers.Get(name),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Steps_allocate_nothing_once_warmed_up(string name)
    {
        var optimizer = Create(name);
        Tensor weight, bias, gradient, biasGradient;
        using (TensorScope.Suspend())
        {
            weight = Tensor.RandomNormal([100_000], generator: new RandomGenerator(1)).WithRequiresGrad();
            bias = Tensor.Zeros(10).WithRequiresGrad();
            gradient = Tensor.RandomNormal([100_000], std: 0.01f, generator: new RandomGenerator(2));
            biasGradient = Tensor.Ones(10);
        }
        Tensor[] variables = [weight, bias];
        // Warm up: creates the state, pools the gradient buffers, and lets the JIT settle (tiers, statics).
        for (int i = 0; i < 40; i++) Step(optimizer, variables, gradient, biasGradient);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Step(optimizer, variables, gradient, biasGradient);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(float.IsFinite(weight[0]));
        Assert.Equal(45, optimizer.Iterations);
    }

    private static void Step(Optimizer optimizer, Tensor[] variables, Tensor gradient, Tensor biasGradient)
    {
        variables[0].Backward(gradient);
        variables[1].Backward(biasGradient);
        optimizer.ApplyGradients(variables);
    }
}
