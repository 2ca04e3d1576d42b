namespace DeepSharp.Tests.Optimizers;

public class ApplyGradientsTests
{
    private static Tensor Weight(string name, params float[] values)
    {
        var w = Tensor.FromArray(values).WithRequiresGrad();
        w.Name = name;
        return w;
    }

    [Fact]
    public void Explicit_gradients_update_their_variables_and_leave_Grad_alone()
    {
        var a = Weight("a", 1f, 2f);
        var b = Weight("b", 3f);
        a.Backward(Tensor.FromArray([100f, 100f]));   // must be neither used nor cleared
        var sgd = new SGD(learningRate: 0.5f);
        sgd.ApplyGradients([Tensor.FromArray([2f, 4f]), null], [a, b]);
        Assert.Equal([0f, 0f], a.ToArray());
        Assert.Equal([3f], b.ToArray());
        Assert.Equal([100f, 100f], a.Grad!.ToArray());
        Assert.Equal(1, sgd.Iterations);
    }

    [Fact]
    public void Pairs_from_Zip_work_as_Keras_apply_gradients_of_zip()
    {
        var a = Weight("a", 1f);
        var b = Weight("b", 1f);
        Tensor?[] grads = [Tensor.FromArray([1f]), Tensor.FromArray([-1f])];
        Tensor[] vars = [a, b];
        new SGD(learningRate: 0.1f).ApplyGradients(grads.Zip(vars));
        Assert.Equal(0.9f, a[0], 6);
        Assert.Equal(1.1f, b[0], 6);
    }

    [Fact]
    public void Explicit_gradients_give_the_same_step_as_Grad_for_every_optimizer()
    {
        foreach (var name in new[] { "sgd", "adam", "rmsprop", "adagrad", "adamw", "nadam", "adamax", "adadelta" })
        {
            var viaGrad = Weight("w", 0.5f, -1f, 2f);
            var viaList = Weight("w", 0.5f, -1f, 2f);
            Optimizer first = name, second = name;
            for (int step = 0; step < 3; step++)
            {
                var g = Tensor.FromArray([0.1f * step, -0.3f, 1f]);
                viaGrad.Backward(g);
                first.ApplyGradients([viaGrad]);
                second.ApplyGradients([g], [viaList]);
            }
            Assert.Equal(viaGrad.ToArray(), viaList.ToArray());
        }
    }

    [Fact]
    public void A_count_or_shape_mismatch_is_refused_and_nothing_changes()
    {
        var a = Weight("dense/kernel", 1f, 2f);
        var b = Weight("dense/bias", 3f);
        var adam = new Adam();
        var count = Assert.Throws<ArgumentException>(() => adam.ApplyGradients([Tensor.Ones(2)], [a, b]));
        Assert.Contains("1 gradients", count.Message);
        Assert.Contains("2 variables", count.Message);
        var shape = Assert.Throws<ArgumentException>(() => adam.ApplyGradients([Tensor.Ones(2), Tensor.Ones(2)], [a, b]));
        Assert.Contains("dense/bias", shape.Message);
        Assert.Contains("(1,)", shape.Message);
        Assert.Contains("(2,)", shape.Message);
        Assert.Equal([1f, 2f], a.ToArray());          // checked before any update
        Assert.Equal(0, adam.Iterations);
        Assert.False(adam.IsBuilt);
    }

    [Fact]
    public void A_variable_the_optimizer_was_not_built_for_is_refused_as_Keras_does()
    {
        var generator = new Sequential(new Dense(2, inputShape: [3], name: "gen_dense"));
        var discriminator = new Sequential(new Dense(1, inputShape: [2], name: "disc_dense"));
        var adam = new Adam();
        var gradsG = generator.TrainableWeights.Select(w => (Tensor?)Tensor.OnesLike(w)).ToList();
        adam.ApplyGradients(gradsG, generator.TrainableWeights);
        Assert.True(adam.IsBuilt);
        Assert.Equal(2, adam.Variables.Count);
        adam.ApplyGradients([gradsG[0]], [generator.TrainableWeights[0]]);   // a subset is fine
        var before = discriminator.GetWeights();
        var gradsD = discriminator.TrainableWeights.Select(w => (Tensor?)Tensor.OnesLike(w)).ToList();
        var e = Assert.Throws<InvalidOperationException>(() => adam.ApplyGradients(gradsD, discriminator.TrainableWeights));
        Assert.Contains("unknown variable", e.Message);
        Assert.Contains("disc_dense/kernel", e.Message);
        Assert.Contains("gen_dense/kernel", e.Message);
        Assert.Equal(before, discriminator.GetWeights());
        adam.Build(discriminator.TrainableWeights);                           // registered explicitly: allowed
        adam.ApplyGradients(gradsD, discriminator.TrainableWeights);
        Assert.NotEqual(before, discriminator.GetWeights());
    }

    [Fact]
    public void ZeroGrad_on_an_optimizer_clears_its_variables_gradients()
    {
        var a = Weight("a", 1f);
        var other = Weight("other", 1f);
        var sgd = new SGD();
        sgd.Build([a]);
        a.Backward(Tensor.FromArray([1f]));
        other.Backward(Tensor.FromArray([1f]));
        sgd.ZeroGrad();
        Assert.Null(a.Grad);
        Assert.NotNull(other.Grad);
    }

    [Fact]
    public void Global_clipping_applies_to_explicit_gradients()
    {
        var a = Weight("a", 0f, 0f);
        new SGD(learningRate: 1f, globalClipNorm: 1f).ApplyGradients([Tensor.FromArray([3f, 4f])], [a]);
        Assert.Equal(-0.6f, a[0], 6);
        Assert.Equal(-0.8f, a[1], 6);
    }
}
