using DeepSharp.Examples;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Optimizers;

/// <summary>
/// The step as one pass over all variables (<see cref="Optimizer.StepsTogether"/>) gives the bits of the step variable by
/// variable for every optimizer and option, at one, two and three threads; it checks everything before it changes
/// anything; memory shared between variables, gradients or state sends it back to the loop; the pass over the vit's
/// weights, shared by two threads, allocates nothing.
/// </summary>
public class OptimizerStepTogetherTests
{
    // A chunk edge falls inside the two large variables, several small ones share a chunk, odd lengths leave scalar tails.
    private static readonly int[] Sizes = [70_003, 37, 16, 1, 48_000, 2_049, 5];

    private static Setting<bool> Together(bool on) => new(() => Optimizer.StepsTogether, v => Optimizer.StepsTogether = v, on);

    public static TheoryData<string> Names => new()
    {
        "sgd", "sgd_momentum", "nesterov", "sgd_decay", "adam", "amsgrad", "adamw", "adam_clipnorm", "adam_clipvalue", "adam_global",
        "rmsprop", "rmsprop_centered_momentum", "rmsprop_decay", "adagrad", "nadam", "adamax", "adadelta", "adadelta_global_decay",
    };

    private static Optimizer Create(string name) => name switch
    {
        "sgd" => new SGD(learningRate: 0.1f),
        "sgd_momentum" => new SGD(learningRate: 0.1f, momentum: 0.9f),
        "nesterov" => new SGD(learningRate: 0.1f, momentum: 0.9f, nesterov: true),
        "sgd_decay" => new SGD(learningRate: 0.1f, momentum: 0.5f, weightDecay: 0.01f),
        "adam" => new Adam(learningRate: 0.01f),
        "amsgrad" => new Adam(learningRate: 0.01f, amsgrad: true),
        "adamw" => new AdamW(learningRate: 0.01f, weightDecay: 0.1f),
        "adam_clipnorm" => new Adam(learningRate: 0.01f, clipNorm: 1f),
        "adam_clipvalue" => new Adam(learningRate: 0.01f, clipValue: 0.5f),
        "adam_global" => new Adam(learningRate: 0.01f, globalClipNorm: 5f),
        "rmsprop" => new RMSprop(learningRate: 0.01f),
        "rmsprop_centered_momentum" => new RMSprop(learningRate: 0.01f, momentum: 0.9f, centered: true),
        "rmsprop_decay" => new RMSprop(learningRate: 0.01f, weightDecay: 0.05f),
        "adagrad" => new Adagrad(learningRate: 0.1f),
        "nadam" => new Nadam(learningRate: 0.01f),
        "adamax" => new Adamax(learningRate: 0.01f),
        "adadelta" => new Adadelta(learningRate: 1f),
        "adadelta_global_decay" => new Adadelta(learningRate: 1f, globalClipNorm: 3f, weightDecay: 0.01f),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Step <paramref name="step"/>'s gradient of variable <paramref name="index"/>: strided for odd indices when asked.</summary>
    private static Tensor Gradient(int step, int index, bool strided)
    {
        int n = Sizes[index];
        float std = MathF.Pow(10, (index % 3) - 1);
        if (!strided || index % 2 == 0) return Tensor.RandomNormal([n], std: std, generator: new RandomGenerator(100 * step + index));
        var every = Tensor.RandomNormal([2 * n], std: std, generator: new RandomGenerator(100 * step + index));
        return Tensor.View(every, new TensorShape(n), [2], 1);
    }

    /// <summary>
    /// Every variable and every slot after four steps, through <see cref="Tensor.Grad"/> (which each step clears) or with
    /// explicit gradients (strided for odd variables); variable 3 has no gradient in step 1.
    /// </summary>
    private static float[][] Train(string name, bool together, bool explicitGradients)
    {
        using var _ = Together(together);
        using var scope = TensorScope.Begin();
        var optimizer = Create(name);
        var variables = Sizes.Select((n, i) => Tensor.RandomNormal([n], generator: new RandomGenerator(10 + i)).WithRequiresGrad()).ToArray();
        for (int step = 0; step < 4; step++)
        {
            var gradients = new Tensor?[Sizes.Length];
            for (int i = 0; i < Sizes.Length; i++)
                if (step != 1 || i != 3) gradients[i] = Gradient(step, i, explicitGradients);
            if (explicitGradients) optimizer.ApplyGradients(gradients, variables);
            else
            {
                for (int i = 0; i < Sizes.Length; i++)
                    if (gradients[i] is { } g) variables[i].Backward(g);
                optimizer.ApplyGradients(variables);
                Assert.All(variables, v => Assert.Null(v.Grad));
            }
        }
        Assert.Equal(4, optimizer.Iterations);
        return [.. variables.Select(v => v.ToArray()), .. variables.SelectMany(v => optimizer.Slots(v).Select(s => s.ToArray()))];
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void One_pass_over_all_variables_gives_the_bits_of_the_loop(string name)
    {
        foreach (bool explicitGradients in new[] { false, true })
        {
            string how = explicitGradients ? "explicit gradients" : "Grad";
            var loop = ThreadCounts.At(1, () => Train(name, together: false, explicitGradients));
            foreach (int threads in ThreadCounts.OneTwoThree)
                ThreadCounts.Identical($"{name}, {how}: one pass at {threads} threads against the loop", loop,
                    ThreadCounts.At(threads, () => Train(name, together: true, explicitGradients)));
        }
    }

    [Fact]
    public void A_strided_weight_is_refused_before_any_variable_changes()
    {
        using var _ = Together(true);
        var first = Tensor.FromArray([1f, 2f, 3f]).WithRequiresGrad();
        var data = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var column = Tensor.View(data, new TensorShape(2), [3], 0).WithRequiresGrad();
        first.Backward(Tensor.FromArray([1f, 1f, 1f]));
        column.Backward(Tensor.FromArray([1f, 1f]));
        var adam = new Adam();
        var error = Assert.Throws<ArgumentException>(() => adam.ApplyGradients([first, column]));
        Assert.Contains("contiguous", error.Message);
        Assert.Equal([1f, 2f, 3f], first.ToArray());
        Assert.NotNull(first.Grad);
        Assert.Equal(0, adam.Iterations);
    }

    [Fact]
    public void The_pass_sees_memory_shared_between_variables_gradients_or_state()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Zeros(40);
        var b = Tensor.Zeros(24);
        var ga = Tensor.Ones(40);
        var gb = Tensor.Ones(24);
        var state = Tensor.Zeros(24);
        bool Overlaps(params (Tensor Variable, Tensor Gradient, Tensor? State)[] entries)
        {
            var set = new ParameterUpdateSet();
            foreach (var (variable, gradient, s) in entries) set.SetState(set.Add(variable, gradient, "test"), s);
            bool overlaps = set.Overlaps();
            set.ReleaseCopies();
            return overlaps;
        }
        Tensor Part(Tensor t, int length, int offset) => Tensor.View(t, new TensorShape(length), [1], offset);
        Assert.False(Overlaps((a, ga, null), (b, gb, state)));
        Assert.True(Overlaps((a, ga, null), (a, ga, null)));                      // a variable twice
        Assert.True(Overlaps((a, ga, null), (b, Part(ga, 24, 0), null)));         // a gradient shared
        Assert.True(Overlaps((a, ga, null), (b, Part(a, 24, 8), null)));          // a gradient inside another variable
        Assert.True(Overlaps((a, ga, null), (b, gb, Part(ga, 24, 16))));          // state inside a gradient
        // A strided gradient counts its whole storage: it is read (copied) before any variable is updated.
        var other = Tensor.Zeros(12);
        Assert.True(Overlaps((a, ga, null), (other, Tensor.View(a, new TensorShape(12), [2], 16), null)));
        Assert.False(Overlaps((a, ga, null), (other, Tensor.View(state, new TensorShape(12), [2], 0), null)));
    }

    [Fact]
    public void Shared_memory_takes_the_loop_and_its_values()
    {
        // One gradient for two variables, rescaled in place by the global clip norm once per variable: the second variable
        // sees it rescaled twice, as the loop does it.
        float[][] SharedGradient(bool together)
        {
            using var _ = Together(together);
            var a = Tensor.FromArray([1f, 2f, 3f]);
            var b = Tensor.FromArray([-1f, 0f, 4f]);
            var g = Tensor.FromArray([30f, -40f, 10f]);
            var sgd = new SGD(learningRate: 0.1f, globalClipNorm: 1f);
            sgd.ApplyGradients([g, g], [a, b]);
            return [a.ToArray(), b.ToArray(), g.ToArray()];
        }
        ThreadCounts.Identical("a gradient shared by two variables", SharedGradient(false), SharedGradient(true));

        // A variable listed twice with its Grad: the loop clears the Grad after the first and skips the second.
        float[][] Twice(bool together)
        {
            using var _ = Together(together);
            var w = Tensor.FromArray([1f, 2f, 3f]).WithRequiresGrad();
            w.Backward(Tensor.FromArray([1f, -1f, 0.5f]));
            var adam = new Adam(learningRate: 0.1f);
            adam.ApplyGradients([w, w]);
            return [w.ToArray(), .. adam.Slots(w).Select(s => s.ToArray())];
        }
        ThreadCounts.Identical("a variable listed twice", Twice(false), Twice(true));
    }

    [Fact]
    public void The_pass_over_the_vit_s_weights_allocates_nothing()
    {
        using var _ = Together(true);
        ThreadCounts.At(2, () =>
        {
            RandomGenerator.SetSeed(4);
            var weights = SeedModels.Vit(10).TrainableWeights;
            Assert.True(weights.Sum(w => w.Size) > 2 * 32_768, "the vit's weights are enough to share the pass between two threads");
            Tensor[] gradients;
            using (TensorScope.Suspend())
                gradients = [.. weights.Select((w, i) => Tensor.RandomNormal(w.Shape, std: 0.01f, generator: new RandomGenerator(i)))];
            var adam = new Adam(learningRate: 1e-3f);
            void Step()
            {
                for (int i = 0; i < weights.Count; i++) weights[i].Backward(gradients[i]);
                adam.ApplyGradients(weights);
            }
            for (int i = 0; i < 20; i++) Step();
            Assert.Equal(0, SteadyStateAllocation.FewestBytes(Step, rounds: 6, stepsPerRound: 10));
            Assert.All(weights, w => Assert.Null(w.Grad));
        });
    }
}
