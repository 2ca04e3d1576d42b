namespace DeepSharp.Tests.Regularizers;

public class RegularizerTests
{
    private static readonly float[] Values = [0.5f, -1.5f, 2f, -0.25f];

    [Fact]
    public void Penalties_follow_keras_formulas_and_their_gradients()
    {
        var w = Tensor.FromArray(Values).WithRequiresGrad();
        var l1 = new L1(0.1f).Compute(w);
        Assert.Equal(0.1f * (0.5f + 1.5f + 2f + 0.25f), l1.Item(), 6);
        l1.Backward();
        Assert.Equal(Values.Select(v => 0.1f * MathF.Sign(v)).ToArray(), w.Grad!.ToArray());

        w.ZeroGrad();
        var l2 = new L2(0.01f).Compute(w);
        Assert.Equal(0.01f * Values.Sum(v => v * v), l2.Item(), 6);
        l2.Backward();
        var expected = Values.Select(v => 0.02f * v).ToArray();
        var actual = w.Grad!.ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], actual[i], 6);

        w.ZeroGrad();
        var both = new L1L2(0.1f, 0.01f).Compute(w);
        Assert.Equal(l1.Item() + l2.Item(), both.Item(), 5);
    }

    [Fact]
    public void Keras_defaults_and_names()
    {
        Assert.Equal(0.01f, ((L2)(Regularizer)"l2").Factor);
        Assert.Equal(0.01f, ((L1)(Regularizer)"l1").Factor);
        Assert.Equal(0f, new L1L2().L1Factor);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new L2(float.NaN));
        Assert.Contains("l2", e.Message);
    }

    [Fact]
    public void Kernel_and_activity_penalties_are_added_to_the_training_loss()
    {
        var x = Tensor.Ones(4, 3);
        var y = Tensor.Zeros(4, 2);
        Sequential Build(Regularizer? kernel, Regularizer? activity)
        {
            var m = new Sequential(new Dense(2, kernelInitializer: new Constant(0.5f), kernelRegularizer: kernel,
                activityRegularizer: activity, inputShape: [3]));
            m.Compile(new SGD(learningRate: 0f), "mse");
            return m;
        }
        // Output is 1.5 everywhere: mse 2.25; kernel L2 0.1·6·0.25 = 0.15; activity L1 0.01·8·1.5 = 0.12.
        Assert.Equal(2.25, Build(null, null).TrainOnBatch(x, y)["loss"], 5);
        Assert.Equal(2.40, Build(new L2(0.1f), null).TrainOnBatch(x, y)["loss"], 5);
        Assert.Equal(2.37, Build(null, new L1(0.01f)).TrainOnBatch(x, y)["loss"], 5);
    }

    [Fact]
    public void Evaluation_reports_the_loss_with_its_penalties_as_keras_does()
    {
        var x = Tensor.Ones(4, 3);
        var y = Tensor.Zeros(4, 2);
        var model = new Sequential(new Dense(2, kernelInitializer: new Constant(0.5f), kernelRegularizer: new L2(0.1f),
            activityRegularizer: new L1(0.01f), inputShape: [3]));
        model.Compile(new SGD(learningRate: 0f), "mse");
        // mse 2.25 + kernel L2 0.15 + activity L1 0.12, in TestOnBatch, Evaluate and Fit's val_loss alike.
        Assert.Equal(2.52, model.TestOnBatch(x, y)["loss"], 5);
        Assert.Equal(2.52, model.Evaluate(x, y, verbose: 0).Loss, 5);
        var history = model.Fit(x, y, epochs: 1, verbose: 0, validationData: (x, y));
        Assert.Equal(2.52, history["val_loss"][0], 5);
    }
}
