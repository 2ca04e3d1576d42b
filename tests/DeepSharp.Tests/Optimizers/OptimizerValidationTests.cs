namespace DeepSharp.Tests.Optimizers;

public class OptimizerValidationTests
{
    private static void AssertMessage(Action action, string argument, string value) =>
        LearningRateScheduleTests.AssertMessage(action, argument, value);

    [Fact]
    public void Bad_hyper_parameters_name_the_optimizer_the_argument_and_the_value()
    {
        AssertMessage(() => new Adam(beta1: 1f), "beta1", "1");
        AssertMessage(() => new Adam(beta2: -0.1f), "beta2", "-0.1");
        AssertMessage(() => new Adam(epsilon: 0f), "epsilon", "0");
        AssertMessage(() => new Adam(epsilon: float.NaN), "Adam", "NaN");
        AssertMessage(() => new AdamW(weightDecay: -1f), "weightDecay", "-1");
        AssertMessage(() => new AdamW(beta1: float.NaN), "AdamW", "beta1");
        AssertMessage(() => new RMSprop(rho: 1.5f), "rho", "1.5");
        AssertMessage(() => new RMSprop(momentum: -0.5f), "momentum", "-0.5");
        AssertMessage(() => new RMSprop(epsilon: -1e-7f), "epsilon", "-1E-07");
        AssertMessage(() => new Adagrad(initialAccumulatorValue: -0.1f), "initialAccumulatorValue", "-0.1");
        AssertMessage(() => new Adagrad(epsilon: float.PositiveInfinity), "Adagrad", "epsilon");
        AssertMessage(() => new Nadam(beta1: 2f), "Nadam", "beta1");
        AssertMessage(() => new Adamax(beta2: 1f), "Adamax", "beta2");
        AssertMessage(() => new Adadelta(rho: -0.01f), "rho", "-0.01");
        AssertMessage(() => new SGD(momentum: 1.5f), "momentum", "1.5");
        AssertMessage(() => new SGD(clipNorm: 0f), "clipNorm", "0");
        AssertMessage(() => new Adam(clipValue: -1f), "clipValue", "-1");
        AssertMessage(() => new Adam(globalClipNorm: float.NaN), "globalClipNorm", "NaN");
        AssertMessage(() => new Adam(learningRate: float.PositiveInfinity), "learningRate", float.PositiveInfinity.ToString());
        Assert.Throws<ArgumentNullException>(() => new Adam().LearningRate = null!);
    }

    [Fact]
    public void Only_one_clipping_mode_can_be_set_as_in_keras()
    {
        AssertMessage(() => new SGD(clipNorm: 1f, clipValue: 0.5f), "only one of clipNorm, clipValue and globalClipNorm", "clipValue=0.5");
        AssertMessage(() => new Adam(clipNorm: 1f, globalClipNorm: 2f), "only one", "globalClipNorm=2");
        AssertMessage(() => new RMSprop(clipValue: 1f, globalClipNorm: 2f), "RMSprop", "clipNorm=null");
    }

    [Fact]
    public void A_gradient_of_the_wrong_shape_is_reported()
    {
        var w = Tensor.FromArray([1f, 2f, 3f]).WithRequiresGrad();
        w.Backward(Tensor.FromArray([1f, 1f, 1f]));
        w._grad = Tensor.FromArray([1f, 1f]); // only reachable by a bug elsewhere; the optimizer must not read past it
        w.Name = "dense/kernel";
        var error = Assert.Throws<InvalidOperationException>(() => new Adam().ApplyGradients([w]));
        Assert.Contains("dense/kernel", error.Message);
        Assert.Contains("(3,)", error.Message);
        Assert.Contains("(2,)", error.Message);
    }

    [Fact]
    public void A_strided_weight_is_refused_with_a_clear_message()
    {
        var data = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var column = Tensor.View(data, new TensorShape(2), [3], 0).WithRequiresGrad();
        column.Backward(Tensor.FromArray([1f, 1f]));
        var error = Assert.Throws<ArgumentException>(() => new Adam().ApplyGradients([column]));
        Assert.Contains("contiguous", error.Message);
    }
}
