namespace DeepSharp.Tests.Optimizers;

/// <summary>GetState / SetState: an optimizer given another's state takes the same steps, bit for bit.</summary>
public class OptimizerStateTests
{
    public static TheoryData<string> Kinds() => ["adam", "amsgrad", "adamw", "nadam", "adamax", "rmsprop", "centered_rmsprop", "sgd", "nesterov", "adagrad", "adadelta"];

    private static Optimizer Make(string kind) => kind switch
    {
        "adam" => new Adam(learningRate: 0.01),
        "amsgrad" => new Adam(learningRate: 0.01, amsgrad: true),
        "adamw" => new AdamW(learningRate: 0.01),
        "nadam" => new Nadam(learningRate: 0.01),
        "adamax" => new Adamax(learningRate: 0.01),
        "rmsprop" => new RMSprop(learningRate: 0.01, momentum: 0.5f),
        "centered_rmsprop" => new RMSprop(learningRate: 0.01, centered: true),
        "sgd" => new SGD(learningRate: 0.1, momentum: 0.9f),
        "nesterov" => new SGD(learningRate: 0.1, momentum: 0.9f, nesterov: true),
        "adagrad" => new Adagrad(learningRate: 0.1),
        "adadelta" => new Adadelta(learningRate: 1.0),
        _ => throw new ArgumentException(kind),
    };

    private static Tensor[] Variables(int seed)
    {
        var random = new RandomGenerator(seed);
        var a = Tensor.RandomNormal([3, 4], generator: random);
        var b = Tensor.RandomNormal([5], generator: random);
        a.Name = "dense/kernel";
        b.Name = "dense/bias";
        return [a, b];
    }

    private static void Step(Optimizer optimizer, Tensor[] variables, int step)
    {
        var random = new RandomGenerator(100 + step);
        var gradients = variables.Select(v => (Tensor?)Tensor.RandomNormal(v.Shape, generator: random)).ToArray();
        if (step == 1) gradients[1] = null; // a variable skipped once: its slots stay as they were
        optimizer.ApplyGradients(gradients, variables);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void An_optimizer_given_the_state_of_another_takes_the_same_steps(string kind)
    {
        var original = Make(kind);
        var variables = Variables(1);
        for (int step = 0; step < 3; step++) Step(original, variables, step);
        var copies = variables.Select(v => Tensor.FromArray(v.ToArray(), v.Shape.Dims)).ToArray();
        var state = original.GetState();

        var resumed = Make(kind);
        resumed.SetState(state, copies);
        for (int step = 3; step < 6; step++)
        {
            Step(original, variables, step);
            Step(resumed, copies, step);
        }

        Assert.Equal(6, resumed.Iterations);
        for (int i = 0; i < variables.Length; i++)
            Assert.Equal(variables[i].ToArray().Select(BitConverter.SingleToInt32Bits), copies[i].ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void The_state_is_a_copy_in_the_variables_order_with_the_values_kept_across_steps()
    {
        var nadam = new Nadam();
        var variables = Variables(2);
        Step(nadam, variables, 0);
        var state = nadam.GetState();
        Step(nadam, variables, 1);

        Assert.Equal("nadam", state.Name);
        Assert.Equal(1, state.Iterations);
        Assert.Equal(["dense/kernel", "dense/bias"], state.VariableNames);
        Assert.Equal(2, state.Slots[0].Count);
        Assert.Equal(12, state.Slots[0][0].Length);
        Assert.NotEqual(nadam.Slots(variables[0])[0].ToArray(), state.Slots[0][0]); // the optimizer moved on; the copy did not
        Assert.True(state.Values["momentum_product"] is > 0 and < 1);
        Assert.Equal(0.001f, (float)state.LearningRate!);
    }

    [Fact]
    public void A_learning_rate_lowered_during_training_comes_back_with_the_state()
    {
        var sgd = new SGD(learningRate: 0.1);
        var variables = Variables(3);
        Step(sgd, variables, 0);
        sgd.LearningRate = 0.025f;

        var resumed = new SGD(learningRate: 0.1);
        resumed.SetState(sgd.GetState(), variables);

        Assert.Equal(0.025f, resumed.CurrentLearningRate);
    }

    [Fact]
    public void A_state_that_does_not_fit_is_refused_and_changes_nothing()
    {
        var adam = new Adam();
        var variables = Variables(4);
        Step(adam, variables, 0);
        var state = adam.GetState();
        var target = new Adam();
        Step(target, Variables(5), 0);
        var before = target.GetState();

        var other = Assert.Throws<ArgumentException>(() => target.SetState(new SGD().GetState()));
        Assert.Contains("the state is of a 'sgd' optimizer; this is 'adam'", other.Message);
        var count = Assert.Throws<ArgumentException>(() => target.SetState(state, [variables[0]]));
        Assert.Contains("slots for 2 variables, but 1 variables were given", count.Message);
        var size = Assert.Throws<ArgumentException>(() => target.SetState(state, [variables[1], variables[0]]));
        Assert.Contains("variable 0 ('dense/bias')", size.Message);
        Assert.Contains("(5 values) but its slot in the state ('dense/kernel') has 12", size.Message);
        Assert.Throws<InvalidOperationException>(() => new Adam().SetState(state));

        var after = target.GetState();
        Assert.Equal(before.Iterations, after.Iterations);
        Assert.Equal(before.Slots[0][0], after.Slots[0][0]);
    }

    [Fact]
    public void Nadam_refuses_a_state_without_its_momentum_product()
    {
        var state = new OptimizerState("nadam", 3, ["w"], [Array.Empty<float[]>()]);
        var e = Assert.Throws<ArgumentException>(() => new Nadam().SetState(state, [Tensor.Zeros(2)]));
        Assert.Contains("momentum_product", e.Message);
    }

    [Fact]
    public void A_state_is_checked_when_made()
    {
        Assert.Throws<ArgumentException>(() => new OptimizerState("adam", 0, ["a", "b"], [Array.Empty<float[]>()]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OptimizerState("adam", -1, [], []));
    }
}
