namespace DeepSharp.Tests.Models;

/// <summary><c>Trainable = false</c> as Keras honours it: weight lists, frozen at Compile, frozen batch normalization.</summary>
public class TrainableTests
{
    private static readonly Tensor X = Tensor.RandomNormal([32, 3], generator: new RandomGenerator(11));
    private static readonly Tensor Y = Tensor.RandomNormal([32, 2], generator: new RandomGenerator(12));

    private static Sequential Model3(string prefix) => new(
        new Dense(4, activation: "relu", inputShape: [3], name: $"{prefix}_a"),
        new BatchNormalization(name: $"{prefix}_bn"),
        new Dense(2, name: $"{prefix}_b"));

    [Fact]
    public void Weight_lists_split_trainable_and_non_trainable_weights()
    {
        var model = Model3("lists");
        Assert.Equal(8, model.Weights.Count);
        Assert.Equal(["lists_a/kernel", "lists_a/bias", "lists_bn/gamma", "lists_bn/beta", "lists_b/kernel", "lists_b/bias"],
            model.TrainableWeights.Select(w => w.Name));
        Assert.Equal(["lists_bn/moving_mean", "lists_bn/moving_variance"], model.NonTrainableWeights.Select(w => w.Name));

        model.Layers[0].Trainable = false;
        Assert.Empty(model.Layers[0].TrainableWeights);
        Assert.Equal(2, model.Layers[0].NonTrainableWeights.Count);
        Assert.Equal(4, model.TrainableWeights.Count);
        Assert.Equal(4, model.NonTrainableWeights.Count);
        var summary = model.Summary(TextWriter.Null);
        Assert.Contains("Trainable params: 18", summary);          // bn gamma, beta (8) + dense b (10)
        Assert.Contains("Non-trainable params: 24", summary);      // dense a (16) + moving statistics (8)

        model.Trainable = false;
        Assert.Empty(model.TrainableWeights);
        Assert.Equal(8, model.NonTrainableWeights.Count);
        Assert.All(model.Layers, l => Assert.False(l.Trainable));
    }

    [Fact]
    public void Freezing_after_Compile_takes_effect_at_the_next_Compile_as_in_Keras()
    {
        var model = Model3("compile");
        model.Compile(new SGD(learningRate: 0.1f), "mse");
        var first = (Dense)model.Layers[0];
        first.Trainable = false;                            // not compiled again: still trained
        var before = first.Kernel.ToArray();
        model.TrainOnBatch(X, Y);
        Assert.NotEqual(before, first.Kernel.ToArray());

        model.Compile(new SGD(learningRate: 0.1f), "mse");  // now frozen
        before = first.Kernel.ToArray();
        var last = ((Dense)model.Layers[2]).Kernel.ToArray();
        model.TrainOnBatch(X, Y);
        Assert.Equal(before, first.Kernel.ToArray());
        Assert.NotEqual(last, ((Dense)model.Layers[2]).Kernel.ToArray());
        Assert.Null(first.Kernel.Grad);                     // no gradient was even delivered to it
    }

    [Fact]
    public void An_unbuilt_model_remembers_the_flags_it_was_compiled_with()
    {
        var first = new Dense(4, name: "unbuilt_a");
        var model = new Sequential(first, new Dense(2, name: "unbuilt_b"));
        Assert.False(model.IsBuilt);
        first.Trainable = false;
        model.Compile(new SGD(learningRate: 0.1f), "mse");
        first.Trainable = true;                             // after Compile: no effect until compiled again
        model.TrainOnBatch(X, Y);                           // builds the model
        var before = first.Kernel.ToArray();
        model.TrainOnBatch(X, Y);
        Assert.Equal(before, first.Kernel.ToArray());
        Assert.Equal(2, model.TrainableAtCompile.Count);
    }

    [Fact]
    public void A_model_compiled_entirely_frozen_stays_frozen_until_compiled_again()
    {
        var model = Model3("allfrozen");
        model.Trainable = false;
        model.Compile(new SGD(learningRate: 0.1f), "mse");
        model.Trainable = true;
        var before = model.GetWeights();
        model.TrainOnBatch(X, Y);
        // Only the moving statistics of the (now trainable again) batch normalization move.
        var after = model.GetWeights();
        for (int i = 0; i < before.Length; i++)
            if (!model.Weights[i].Name!.Contains("moving")) Assert.Equal(before[i], after[i]);
        model.Compile(new SGD(learningRate: 0.1f), "mse");
        model.TrainOnBatch(X, Y);
        Assert.NotEqual(after[0], model.GetWeights()[0]);
    }

    [Fact]
    public void Recompiling_after_unfreezing_with_the_same_optimizer_trains_the_new_weights()
    {
        var model = Model3("unfreeze");
        var adam = new Adam(learningRate: 0.01f);
        model.Layers[0].Trainable = false;
        model.Compile(adam, "mse");
        model.TrainOnBatch(X, Y);
        model.Layers[0].Trainable = true;
        model.Compile(adam, "mse");
        var before = ((Dense)model.Layers[0]).Kernel.ToArray();
        model.TrainOnBatch(X, Y);
        Assert.NotEqual(before, ((Dense)model.Layers[0]).Kernel.ToArray());
    }

    [Fact]
    public void A_frozen_batch_normalization_layer_runs_in_inference_mode_inside_Fit()
    {
        var model = Model3("frozenbn");
        var bn = (BatchNormalization)model.Layers[1];
        bn.Trainable = false;
        model.Compile(new SGD(learningRate: 0.1f), "mse");
        var mean = bn.MovingMean.ToArray();
        var gamma = bn.Gamma!.ToArray();
        model.Fit(X, Y, batchSize: 8, epochs: 1, verbose: 0);
        Assert.Equal(mean, bn.MovingMean.ToArray());
        Assert.Equal(gamma, bn.Gamma!.ToArray());
        // In inference mode the layer is the same function in training and in prediction.
        using (DeepSharp.Autograd.NoGrad())
            Assert.Equal(model.Call(X, training: false).ToArray(), model.Call(X, training: true).ToArray());
    }
}
