using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Optimizers;

public class LearningRateScheduleTests
{
    public static TheoryData<int> ScheduleCases()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < OptimizerFixtures.Cases("schedules").Count; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(ScheduleCases))]
    public void Schedule_matches_keras_formula_and_pytorch(int index)
    {
        var fixture = OptimizerFixtures.Cases("schedules")[index]!;
        var schedule = OptimizerFixtures.Schedule(fixture["schedule"]!);
        Check(schedule, fixture, "steps", "expected");
        if (fixture["torch_expected"] is not null) Check(schedule, fixture, "torch_steps", "torch_expected");
    }

    private static void Check(LearningRateSchedule schedule, JsonNode fixture, string stepsKey, string valuesKey)
    {
        var steps = fixture[stepsKey]!.AsArray();
        var expected = OptimizerFixtures.Doubles(fixture[valuesKey]);
        for (int i = 0; i < steps.Count; i++)
        {
            long step = (long)steps[i]!;
            float actual = schedule.At(step);
            // The rate is returned as float32: half an ulp of rounding, and the fixtures' rates are float32 inputs.
            Assert.True(Math.Abs(actual - expected[i]) <= 2e-7 * Math.Abs(expected[i]) + 1e-12,
                $"{fixture["schedule"]!["class_name"]} ({valuesKey}) at step {step}: got {actual:R}, expected {expected[i]:R}.");
        }
    }

    [Fact]
    public void Piecewise_constant_keeps_each_value_up_to_and_including_its_boundary()
    {
        var schedule = new PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.25]);
        Assert.Equal(1f, schedule.At(0));
        Assert.Equal(1f, schedule.At(10));
        Assert.Equal(0.5f, schedule.At(11));
        Assert.Equal(0.5f, schedule.At(20));
        Assert.Equal(0.25f, schedule.At(21));
        Assert.Equal(0.25f, schedule.At(1_000_000));
    }

    [Fact]
    public void Exponential_staircase_drops_once_per_decay_steps()
    {
        var schedule = new ExponentialDecay(1.0, decaySteps: 4, decayRate: 0.5, staircase: true);
        Assert.Equal(1f, schedule.At(3));
        Assert.Equal(0.5f, schedule.At(4));
        Assert.Equal(0.5f, schedule.At(7));
        Assert.Equal(0.25f, schedule.At(8));
    }

    [Fact]
    public void Cosine_decay_stays_at_alpha_after_the_decay_and_warmup_rises_linearly()
    {
        var plain = new CosineDecay(0.1, decaySteps: 10, alpha: 0.2);
        Assert.Equal(0.1f, plain.At(0));
        Assert.Equal(0.1f * 0.2f, plain.At(10), 1e-8f);
        Assert.Equal(plain.At(10), plain.At(1000));
        var warm = new CosineDecay(0.0, decaySteps: 10, warmupTarget: 1.0, warmupSteps: 4);
        Assert.Equal(0f, warm.At(0));
        Assert.Equal(0.5f, warm.At(2));
        Assert.Equal(1f, warm.At(4));
        Assert.Equal(0.5f, warm.At(9), 1e-6f);
        Assert.Equal(0f, warm.At(14), 1e-7f);
    }

    [Fact]
    public void Polynomial_decay_reaches_the_end_rate_and_cycles()
    {
        var flat = new PolynomialDecay(1.0, decaySteps: 4, endLearningRate: 0.2);
        Assert.Equal(0.6f, flat.At(2), 1e-7f);
        Assert.Equal(0.2f, flat.At(4), 1e-7f);
        Assert.Equal(0.2f, flat.At(100), 1e-7f);
        var cycling = new PolynomialDecay(1.0, decaySteps: 4, endLearningRate: 0.2, cycle: true);
        Assert.Equal(1f, cycling.At(0));
        Assert.Equal(0.2f, cycling.At(4), 1e-7f);   // end of the first cycle
        Assert.Equal(0.5f, cycling.At(5), 1e-6f);   // second cycle spans 8 steps: 0.2 + 0.8·(1 − 5/8)
        Assert.Equal(0.4f, cycling.At(6), 1e-6f);
        Assert.Equal(0.2f, cycling.At(8), 1e-7f);
        Assert.Equal(0.2f + 0.8f * (1 - 9f / 12), cycling.At(9), 1e-6f);
    }

    [Fact]
    public void An_optimizer_uses_the_rate_of_its_iteration_count()
    {
        var w = Tensor.FromArray([0f]).WithRequiresGrad();
        var optimizer = new SGD(new PiecewiseConstantDecay([0, 1], [1.0, 0.1, 0.01]));
        float[] expected = [-1f, -1.1f, -1.11f, -1.12f];
        for (int step = 0; step < expected.Length; step++)
        {
            Assert.Equal(optimizer.LearningRate.At(step), optimizer.CurrentLearningRate);
            w.Backward(Tensor.FromArray([1f]));
            optimizer.ApplyGradients([w]);
            Assert.Equal(expected[step], w[0], 1e-6f);
        }
    }

    [Fact]
    public void Config_has_keras_serialized_form()
    {
        var config = new ExponentialDecay(0.1, 100, 0.96, staircase: true).GetConfig();
        Assert.Equal("ExponentialDecay", (string?)config["class_name"]);
        Assert.Equal(0.1, (double)config["config"]!["initial_learning_rate"]!);
        Assert.Equal(100, (long)config["config"]!["decay_steps"]!);
        Assert.Equal(0.96, (double)config["config"]!["decay_rate"]!);
        Assert.True((bool)config["config"]!["staircase"]!);
        var piecewise = new PiecewiseConstantDecay([5], [0.1, 0.01]).GetConfig();
        Assert.Equal("[5]", piecewise["config"]!["boundaries"]!.ToJsonString());
        Assert.Equal(0.5f, ((LearningRateSchedule)0.5f).GetConfig().GetValue<float>());
    }

    [Fact]
    public void Bad_arguments_are_named_with_their_value()
    {
        AssertMessage(() => new ExponentialDecay(0.1, 0, 0.5), "decaySteps", "0");
        AssertMessage(() => new ExponentialDecay(double.NaN, 10, 0.5), "initialLearningRate", "NaN");
        AssertMessage(() => new ExponentialDecay(0.1, 10, -0.5), "decayRate", "-0.5");
        AssertMessage(() => new InverseTimeDecay(0.1, -3, 0.5), "decaySteps", "-3");
        AssertMessage(() => new InverseTimeDecay(0.1, 3, double.PositiveInfinity), "decayRate", double.PositiveInfinity.ToString());
        AssertMessage(() => new PolynomialDecay(0.1, 10, power: 0), "power", "0");
        AssertMessage(() => new PolynomialDecay(0.1, 10, endLearningRate: -1), "endLearningRate", "-1");
        AssertMessage(() => new CosineDecay(0.1, 10, alpha: 1.5), "alpha", "1.5");
        AssertMessage(() => new CosineDecay(0.1, 10, warmupTarget: double.NaN, warmupSteps: 3), "warmupTarget", "NaN");
        AssertMessage(() => new CosineDecay(0.1, 10, warmupTarget: 1, warmupSteps: -1), "warmupSteps", "-1");
        AssertMessage(() => new PiecewiseConstantDecay([10, 20], [0.1, 0.01]), "values", "2 boundaries and 2 values");
        AssertMessage(() => new PiecewiseConstantDecay([20, 10], [0.1, 0.01, 0.001]), "boundaries", "20 then 10");
        AssertMessage(() => new PiecewiseConstantDecay([10], [0.1, double.NaN]), "values", "values[1] is NaN");
    }

    [Fact]
    public void A_nan_learning_rate_fails_at_construction_or_at_the_step()
    {
        AssertMessage(() => new Adam(learningRate: float.NaN), "learningRate", "NaN");
        AssertMessage(() => new SGD(learningRate: -0.1f), "learningRate", "-0.1");

        var w = Tensor.FromArray([1f, 2f]).WithRequiresGrad();
        var optimizer = new Adam(new BrokenSchedule());
        w.Backward(Tensor.FromArray([1f, 1f]));
        optimizer.ApplyGradients([w]);                  // step 0: 0.1
        w.Backward(Tensor.FromArray([1f, 1f]));
        var error = Assert.Throws<InvalidOperationException>(() => optimizer.ApplyGradients([w]));
        Assert.Contains("step 1", error.Message);
        Assert.Contains("NaN", error.Message);
        Assert.Equal(1, optimizer.Iterations);           // nothing was applied
    }

    /// <summary>A user schedule that produces NaN from its second step.</summary>
    private sealed class BrokenSchedule : LearningRateSchedule
    {
        public override float At(long step) => step == 0 ? 0.1f : float.NaN;
        public override JsonNode GetConfig() => new JsonObject();
    }

    internal static void AssertMessage(Action action, string argument, string value)
    {
        var error = Assert.ThrowsAny<ArgumentException>(action);
        Assert.Contains(argument, error.Message);
        Assert.Contains(value, error.Message);
    }
}
