namespace DeepSharp.Tests.Optimizers;

/// <summary>Defaults, names and configs as Keras 3 has them (keras/src/optimizers/*.py constructors).</summary>
public class OptimizerDefaultsTests
{
    [Fact]
    public void Defaults_equal_keras()
    {
        var adam = new Adam();
        Assert.Equal(0.001f, adam.CurrentLearningRate);
        Assert.Equal((0.9f, 0.999f, 1e-7f, false), (adam.Beta1, adam.Beta2, adam.Epsilon, adam.Amsgrad));
        Assert.Null(adam.WeightDecay);

        var adamw = new AdamW();
        Assert.Equal(0.001f, adamw.CurrentLearningRate);
        Assert.Equal(0.004f, adamw.WeightDecay);
        Assert.Equal((0.9f, 0.999f, 1e-7f, false), (adamw.Beta1, adamw.Beta2, adamw.Epsilon, adamw.Amsgrad));

        var rmsprop = new RMSprop();
        Assert.Equal(0.001f, rmsprop.CurrentLearningRate);
        Assert.Equal((0.9f, 0f, 1e-7f, false), (rmsprop.Rho, rmsprop.Momentum, rmsprop.Epsilon, rmsprop.Centered));

        var adagrad = new Adagrad();
        Assert.Equal(0.001f, adagrad.CurrentLearningRate);
        Assert.Equal((0.1f, 1e-7f), (adagrad.InitialAccumulatorValue, adagrad.Epsilon));

        var nadam = new Nadam();
        Assert.Equal(0.001f, nadam.CurrentLearningRate);
        Assert.Equal((0.9f, 0.999f, 1e-7f), (nadam.Beta1, nadam.Beta2, nadam.Epsilon));

        var adamax = new Adamax();
        Assert.Equal(0.001f, adamax.CurrentLearningRate);
        Assert.Equal((0.9f, 0.999f, 1e-7f), (adamax.Beta1, adamax.Beta2, adamax.Epsilon));

        var adadelta = new Adadelta();
        Assert.Equal(0.001f, adadelta.CurrentLearningRate);
        Assert.Equal((0.95f, 1e-7f), (adadelta.Rho, adadelta.Epsilon));

        var sgd = new SGD();
        Assert.Equal(0.01f, sgd.CurrentLearningRate);
        Assert.Equal((0f, false), (sgd.Momentum, sgd.Nesterov));

        foreach (Optimizer o in new Optimizer[] { adam, adamw, rmsprop, adagrad, nadam, adamax, adadelta, sgd })
        {
            Assert.Null(o.ClipNorm);
            Assert.Null(o.ClipValue);
            Assert.Null(o.GlobalClipNorm);
            Assert.Equal(0, o.Iterations);
        }
    }

    [Theory]
    [InlineData("sgd", typeof(SGD))]
    [InlineData("adam", typeof(Adam))]
    [InlineData("Adam", typeof(Adam))]
    [InlineData("adamw", typeof(AdamW))]
    [InlineData("AdamW", typeof(AdamW))]
    [InlineData("rmsprop", typeof(RMSprop))]
    [InlineData("RMSprop", typeof(RMSprop))]
    [InlineData("adagrad", typeof(Adagrad))]
    [InlineData("nadam", typeof(Nadam))]
    [InlineData("adamax", typeof(Adamax))]
    [InlineData("adadelta", typeof(Adadelta))]
    public void Names_give_the_optimizer_with_defaults(string name, Type type)
    {
        var optimizer = global::DeepSharp.Optimizers.Get(name);
        Assert.IsType(type, optimizer);
        Assert.Equal(name.ToLowerInvariant(), optimizer.Name);
        Optimizer converted = name;
        Assert.IsType(type, converted);
        Assert.Equal(optimizer.GetConfig().ToJsonString(), converted.GetConfig().ToJsonString());
    }

    [Fact]
    public void Unknown_names_list_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => global::DeepSharp.Optimizers.Get("adamm"));
        Assert.Contains("'adamm'", error.Message);
        Assert.Contains("adam, adamw, rmsprop, adagrad, nadam, adamax, adadelta", error.Message);
    }

    [Fact]
    public void Config_uses_keras_keys()
    {
        var config = new Adam(learningRate: 0.01f, beta1: 0.8f, amsgrad: true, clipNorm: 1f).GetConfig();
        Assert.Equal("adam", (string?)config["name"]);
        Assert.Equal(0.01f, (float)config["learning_rate"]!);
        Assert.Equal(0.8f, (float)config["beta_1"]!);
        Assert.Equal(0.999f, (float)config["beta_2"]!);
        Assert.Equal(1e-7f, (float)config["epsilon"]!);
        Assert.True((bool)config["amsgrad"]!);
        Assert.Equal(1f, (float)config["clipnorm"]!);

        var rms = new RMSprop(momentum: 0.5f, centered: true).GetConfig();
        Assert.Equal((0.9f, 0.5f, true), ((float)rms["rho"]!, (float)rms["momentum"]!, (bool)rms["centered"]!));
        Assert.Equal(0.1f, (float)new Adagrad().GetConfig()["initial_accumulator_value"]!);
        Assert.Equal(0.004f, (float)new AdamW().GetConfig()["weight_decay"]!);
        Assert.Equal(0.95f, (float)new Adadelta().GetConfig()["rho"]!);
        var scheduled = new SGD(new ExponentialDecay(0.1, 10, 0.5)).GetConfig();
        Assert.Equal("ExponentialDecay", (string?)scheduled["learning_rate"]!["class_name"]);
    }

    [Fact]
    public void State_is_created_on_the_first_step_as_keras_slots()
    {
        var w = Tensor.FromArray([1f, 2f, 3f]).WithRequiresGrad();
        var adagrad = new Adagrad(initialAccumulatorValue: 0.25f);
        Assert.Empty(adagrad.Slots(w));
        w.Backward(Tensor.FromArray([1f, 0f, -2f]));
        adagrad.ApplyGradients([w]);
        Assert.Equal([1.25f, 0.25f, 4.25f], adagrad.Slots(w)[0].ToArray());
        Assert.Null(w.Grad); // cleared after the step

        Assert.Equal(3, Slots(new Adam(amsgrad: true)));
        Assert.Equal(2, Slots(new Adam()));
        Assert.Equal(1, Slots(new RMSprop()));
        Assert.Equal(3, Slots(new RMSprop(momentum: 0.9f, centered: true)));
        Assert.Equal(2, Slots(new Nadam()));
        Assert.Equal(2, Slots(new Adamax()));
        Assert.Equal(2, Slots(new Adadelta()));
        Assert.Equal(0, Slots(new SGD()));
        Assert.Equal(1, Slots(new SGD(momentum: 0.9f)));
    }

    private static int Slots(Optimizer optimizer)
    {
        var w = Tensor.FromArray([1f, 2f]).WithRequiresGrad();
        w.Backward(Tensor.FromArray([0.5f, -0.5f]));
        optimizer.ApplyGradients([w]);
        return optimizer.Slots(w).Count;
    }

    [Fact]
    public void Variables_without_gradients_are_left_alone()
    {
        var a = Tensor.FromArray([1f, 2f]).WithRequiresGrad();
        var b = Tensor.FromArray([3f, 4f]).WithRequiresGrad();
        var optimizer = new AdamW(learningRate: 0.1f, weightDecay: 0.5f);
        a.Backward(Tensor.FromArray([1f, 1f]));
        optimizer.ApplyGradients([a, b]);
        Assert.Equal([3f, 4f], b.ToArray());          // no gradient: neither decayed nor stepped
        Assert.Empty(optimizer.Slots(b));
        Assert.NotEqual(1f, a[0]);
    }
}
