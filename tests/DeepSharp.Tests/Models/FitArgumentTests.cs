namespace DeepSharp.Tests.Models;

/// <summary>Bad arguments to Fit and to optimizers: the whole message names the argument, what was expected and what came.</summary>
public class FitArgumentTests
{
    private static Sequential Compiled(params Layer[] layers)
    {
        var model = new Sequential(layers);
        model.Compile(new SGD(learningRate: 0.01f), "mse");
        return model;
    }

    [Fact]
    public void A_wrong_input_width_names_the_expected_and_the_actual_shape()
    {
        var model = Compiled(new Dense(2, inputShape: [3]));
        var e = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Ones(10, 4), Tensor.Ones(10, 2), verbose: 0));
        Assert.Contains("expects input shape (None, 3)", e.Message);
        Assert.Contains("x has shape (10, 4)", e.Message);
    }

    [Fact]
    public void A_wrong_input_rank_names_the_expected_and_the_actual_shape()
    {
        var model = Compiled(new Flatten(inputShape: [4, 4]), new Dense(2));
        var e = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Ones(5, 16), Tensor.Ones(5, 2), verbose: 0));
        Assert.Contains("expects input shape (None, 4, 4)", e.Message);
        Assert.Contains("x has shape (5, 16)", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Ones(5, 4, 5), Tensor.Ones(5, 2), verbose: 0));
        Assert.Contains("expects input shape (None, 4, 4)", e2.Message);
        Assert.Contains("x has shape (5, 4, 5)", e2.Message);
    }

    [Fact]
    public void Wrong_shaped_validation_data_names_both_shapes()
    {
        var model = Compiled(new Dense(2, inputShape: [3]));
        var e = Assert.Throws<ArgumentException>(() =>
            model.Fit(Tensor.Ones(10, 3), Tensor.Ones(10, 2), verbose: 0, validationData: (Tensor.Ones(4, 5), Tensor.Ones(4, 2))));
        Assert.Contains("(None, 3)", e.Message);
        Assert.Contains("(None, 5)", e.Message);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    public void A_validation_split_outside_zero_to_one_names_the_argument_and_the_value(double split)
    {
        var model = Compiled(new Dense(2, inputShape: [3]));
        var before = model.GetWeights();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            model.Fit(Tensor.Ones(10, 3), Tensor.Ones(10, 2), validationSplit: split, verbose: 0));
        Assert.Equal("validationSplit", e.ParamName);
        Assert.Contains("validationSplit must be in [0, 1)", e.Message);
        Assert.Contains($"got {split}", e.Message);
        Assert.Equal(before, model.GetWeights()); // refused before any training
    }

    [Fact]
    public void A_validation_split_that_leaves_no_training_sample_says_so()
    {
        var model = Compiled(new Dense(2, inputShape: [3]));
        var e = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Ones(2, 3), Tensor.Ones(2, 2), validationSplit: 0.6, verbose: 0));
        Assert.Contains("validationSplit 0.6", e.Message);
        Assert.Contains("0 of 2 samples", e.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(-0.01f)]
    [InlineData(float.NegativeInfinity)]
    public void A_bad_learning_rate_is_refused_by_every_optimizer_naming_it_and_the_value(float rate)
    {
        var constructors = new Func<Optimizer>[]
        {
            () => new SGD(learningRate: rate), () => new Adam(learningRate: rate), () => new AdamW(learningRate: rate),
            () => new RMSprop(learningRate: rate), () => new Adagrad(learningRate: rate), () => new Nadam(learningRate: rate),
            () => new Adamax(learningRate: rate), () => new Adadelta(learningRate: rate),
        };
        foreach (var create in constructors)
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => create());
            Assert.Contains("learningRate", e.Message);
            Assert.Contains(rate.ToString(), e.Message);
        }
        var set = Assert.ThrowsAny<ArgumentException>(() => new Adam().LearningRate = rate);
        Assert.Contains("learningRate", set.Message);
    }

    private sealed class BrokenSchedule : LearningRateSchedule
    {
        public override float At(long step) => step < 1 ? 0.1f : float.NaN;

        public override System.Text.Json.Nodes.JsonObject GetConfig() => [];
    }

    [Fact]
    public void A_schedule_that_turns_nan_stops_the_step_naming_the_optimizer_and_step()
    {
        var w = Tensor.FromArray([1f, 2f]).WithRequiresGrad();
        var adam = new Adam(learningRate: new BrokenSchedule());
        (w * w).Sum().Backward();
        adam.ApplyGradients([w]);
        var before = w.ToArray();
        var e = Assert.Throws<InvalidOperationException>(() => adam.ApplyGradients([w]));
        Assert.StartsWith("adam:", e.Message);
        Assert.Contains("step 1", e.Message);
        Assert.Contains("NaN", e.Message);
        Assert.Equal(before, w.ToArray());
    }
}
