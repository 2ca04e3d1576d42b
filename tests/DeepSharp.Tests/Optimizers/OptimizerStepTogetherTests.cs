using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Optimizers;

/// <summary>
/// An optimizer step updates all its variables as one parallel job (ParameterUpdates.Together): the same bits as the
/// variables updated one by one, at any thread count, and the same semantics where one job cannot serve (a variable
/// named twice, a strided gradient).
/// </summary>
public class OptimizerStepTogetherTests
{
    // Sizes around the job's cuts: a long variable that is shared out alone, odd tails, and short ones between them.
    private static readonly int[] Sizes = [70_001, 37, 16, 1, 40_000, 129, 33_333];

    public static TheoryData<string> Names => new() { "adam", "amsgrad", "adamw", "sgd_momentum", "rmsprop_centered", "adagrad", "nadam", "adamax", "adadelta", "adam_clipnorm" };

    private static Optimizer Create(string name) => name switch
    {
        "amsgrad" => new Adam(learningRate: 0.01f, amsgrad: true),
        "adamw" => new AdamW(learningRate: 0.01f, weightDecay: 0.1f),
        "sgd_momentum" => new SGD(learningRate: 0.01f, momentum: 0.9f, nesterov: true),
        "rmsprop_centered" => new RMSprop(learningRate: 0.01f, momentum: 0.5f, centered: true),
        "adam_clipnorm" => new Adam(learningRate: 0.01f, clipNorm: 0.5f),
        _ => global::DeepSharp.Optimizers.Get(name),
    };

    /// <summary>Weights and every slot after a few steps of <paramref name="name"/> on the variables of <see cref="Sizes"/>.</summary>
    private static float[][] Train(string name, bool together, int steps = 3)
    {
        bool saved = ParameterUpdates.Together;
        ParameterUpdates.Together = together;
        try
        {
            using var scope = TensorScope.Begin();
            var variables = Sizes.Select((n, i) => Tensor.RandomNormal([n], generator: new RandomGenerator(100 + i)).WithRequiresGrad()).ToArray();
            var optimizer = Create(name);
            for (int step = 0; step < steps; step++)
            {
                for (int i = 0; i < variables.Length; i++)
                    variables[i].Backward(Tensor.RandomNormal([Sizes[i]], generator: new RandomGenerator(1000 * step + i)));
                optimizer.ApplyGradients(variables);
            }
            return [.. variables.Select(v => v.ToArray()), .. variables.SelectMany(v => optimizer.Slots(v)).Select(s => s.ToArray())];
        }
        finally
        {
            ParameterUpdates.Together = saved;
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void One_job_over_all_variables_gives_the_bits_of_one_update_per_variable(string name)
    {
        var separate = Train(name, together: false);
        ThreadCounts.SameBits($"{name}, all variables together against one by one at one thread", () => Train(name, together: true), 1, 2, 3);
        ThreadCounts.Identical($"{name}, together against one by one", separate, Train(name, together: true));
    }

    [Fact]
    public void The_seed_mlp_trains_to_the_same_bits_with_the_variables_together_or_one_by_one()
    {
        float[][] Fit(bool together)
        {
            bool saved = ParameterUpdates.Together;
            ParameterUpdates.Together = together;
            try
            {
                RandomGenerator.SetSeed(3);
                var model = DeepSharp.Examples.SeedModels.Mlp(10);
                model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
                var x = Tensor.RandomUniform([96, 28, 28], generator: new RandomGenerator(4));
                var y = Tensor.FromArray(Enumerable.Range(0, 96).Select(i => (float)(i * 7 % 10)).ToArray());
                model.Fit(x, y, batchSize: 32, epochs: 2, verbose: 0, seed: 5);
                return [.. model.TrainableWeights.Select(w => w.ToArray()), .. model.TrainableWeights.SelectMany(w => model.Optimizer!.Slots(w)).Select(s => s.ToArray())];
            }
            finally
            {
                ParameterUpdates.Together = saved;
            }
        }
        var separate = Fit(false);
        ThreadCounts.SameBits("seed MLP, variables together", () => Fit(true), 1, 2);
        ThreadCounts.Identical("seed MLP, together against one by one", separate, Fit(true));
    }

    [Fact]
    public void A_variable_named_twice_is_updated_twice_one_after_the_other()
    {
        float[] Step(bool together)
        {
            bool saved = ParameterUpdates.Together;
            ParameterUpdates.Together = together;
            try
            {
                using var scope = TensorScope.Begin();
                var w = Tensor.RandomNormal([200_000], generator: new RandomGenerator(7)).WithRequiresGrad();
                var g1 = Tensor.RandomNormal([200_000], generator: new RandomGenerator(8));
                var g2 = Tensor.RandomNormal([200_000], generator: new RandomGenerator(9));
                var optimizer = new Adam(learningRate: 0.01f);
                optimizer.Build([w]);
                for (int step = 0; step < 3; step++) optimizer.ApplyGradients([g1, g2], [w, w]);
                return [.. w.ToArray(), .. optimizer.Slots(w)[0].ToArray(), .. optimizer.Slots(w)[1].ToArray()];
            }
            finally
            {
                ParameterUpdates.Together = saved;
            }
        }
        ThreadCounts.SameBits("a variable named twice", () => [Step(true)], 1, 2);
        ThreadCounts.Identical("a variable named twice, together against one by one", [Step(false)], [Step(true)]);
    }

    [Fact]
    public void A_strided_gradient_is_read_before_its_copy_is_freed()
    {
        float[][] Step(bool together)
        {
            bool saved = ParameterUpdates.Together;
            ParameterUpdates.Together = together;
            try
            {
                using var scope = TensorScope.Begin();
                var a = Tensor.RandomNormal([300, 400], generator: new RandomGenerator(10)).WithRequiresGrad();
                var b = Tensor.RandomNormal([400, 300], generator: new RandomGenerator(11)).WithRequiresGrad();
                var optimizer = new Adam(learningRate: 0.01f);
                for (int step = 0; step < 3; step++)
                {
                    // Transposed views: each is copied to contiguous memory for its update, and the copy freed after it.
                    var ga = Tensor.RandomNormal([400, 300], generator: new RandomGenerator(20 + step)).Transpose(0, 1);
                    var gb = Tensor.RandomNormal([300, 400], generator: new RandomGenerator(30 + step)).Transpose(0, 1);
                    optimizer.ApplyGradients([ga, gb], [a, b]);
                }
                return [a.ToArray(), b.ToArray()];
            }
            finally
            {
                ParameterUpdates.Together = saved;
            }
        }
        ThreadCounts.Identical("strided gradients, together against one by one", Step(false), Step(true));
    }
}
