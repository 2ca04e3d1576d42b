namespace DeepSharp.Tests.Autograd;

public class GradientTapeTests
{
    [Fact]
    public void Gradient_returns_the_gradients_of_the_sources_in_order_and_leaves_Grad_alone()
    {
        var a = Tensor.FromArray([1f, 2f, 3f]).WithRequiresGrad();
        var b = Tensor.FromArray([4f, 5f, 6f]).WithRequiresGrad();
        using var tape = new GradientTape();
        var y = (a * b + a).Sum();                    // dy/da = b + 1, dy/db = a
        var grads = tape.Gradient(y, [b, a]);
        Assert.Equal([1f, 2f, 3f], grads[0]!.ToArray());
        Assert.Equal([5f, 6f, 7f], grads[1]!.ToArray());
        Assert.Null(a.Grad);
        Assert.Null(b.Grad);
    }

    [Fact]
    public void Only_the_requested_sources_receive_gradients()
    {
        var asked = Tensor.FromArray([2f]).WithRequiresGrad();
        var other = Tensor.FromArray([3f]).WithRequiresGrad();
        other.Backward(Tensor.FromArray([7f]));      // a gradient already there must stay as it is
        using var tape = new GradientTape();
        var y = (asked * other).Sum();
        var g = tape.Gradient(y, asked);
        Assert.Equal([3f], g!.ToArray());
        Assert.Equal([7f], other.Grad!.ToArray());
    }

    [Fact]
    public void An_unconnected_source_gets_null_and_a_target_without_graph_gives_all_null()
    {
        var a = Tensor.FromArray([1f, 2f]).WithRequiresGrad();
        var unused = Tensor.FromArray([1f]).WithRequiresGrad();
        using (var tape = new GradientTape())
        {
            var grads = tape.Gradient((a * 2f).Sum(), [a, unused]);
            Assert.Equal([2f, 2f], grads[0]!.ToArray());
            Assert.Null(grads[1]);
        }
        using (var tape = new GradientTape())
        {
            Tensor y;
            using (DeepSharp.Autograd.NoGrad()) y = (a * 2f).Sum();
            Assert.All(tape.Gradient(y, [a, unused]), Assert.Null);
        }
    }

    [Fact]
    public void A_non_scalar_target_is_differentiated_as_its_sum_or_with_an_output_gradient()
    {
        var a = Tensor.FromArray([1f, 2f, 3f]).WithRequiresGrad();
        using (var tape = new GradientTape())
            Assert.Equal([2f, 4f, 6f], tape.Gradient(a * a, a)!.ToArray());
        using (var tape = new GradientTape())
            Assert.Equal([2f, 0f, 60f], tape.Gradient(a * a, a, Tensor.FromArray([1f, 0f, 10f]))!.ToArray());
        using (var tape = new GradientTape())
        {
            var e = Assert.Throws<ArgumentException>(() => tape.Gradient(a * a, a, Tensor.Ones(2)));
            Assert.Contains("(2,)", e.Message);
            Assert.Contains("(3,)", e.Message);
        }
    }

    [Fact]
    public void Watch_gives_the_gradient_of_an_input()
    {
        var x = Tensor.FromArray([1f, -2f]);
        var w = Tensor.FromArray([3f, 4f]).WithRequiresGrad();
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = (x * w).Sum();
        var grads = tape.Gradient(y, [x, w]);
        Assert.Equal([3f, 4f], grads[0]!.ToArray());
        Assert.Equal([1f, -2f], grads[1]!.ToArray());
    }

    [Fact]
    public void An_intermediate_tensor_and_a_duplicated_source_get_their_gradients()
    {
        var a = Tensor.FromArray([1f, 2f]).WithRequiresGrad();
        using var tape = new GradientTape();
        var h = a * 3f;
        var y = (h * h).Sum();                        // dy/dh = 2h = (6, 12); dy/da = 6h = (18, 36)
        var grads = tape.Gradient(y, [h, a, a]);
        Assert.Equal([6f, 12f], grads[0]!.ToArray());
        Assert.Equal([18f, 36f], grads[1]!.ToArray());
        Assert.Equal([18f, 36f], grads[2]!.ToArray());
        Assert.NotSame(grads[1], grads[2]);
    }

    [Fact]
    public void A_tape_that_is_not_persistent_answers_once_and_a_persistent_one_again()
    {
        var a = Tensor.FromArray([2f]).WithRequiresGrad();
        using (var tape = new GradientTape())
        {
            var y = (a * a).Sum();
            tape.Gradient(y, a);
            var e = Assert.Throws<InvalidOperationException>(() => tape.Gradient(y, a));
            Assert.Contains("persistent", e.Message);
        }
        var persistent = new GradientTape(persistent: true);
        var z = (a * a * a).Sum();
        var w = (a * a).Sum();
        Assert.Equal([12f], persistent.Gradient(z, a)!.ToArray());
        Assert.Equal([12f], persistent.Gradient(z, a)!.ToArray());
        Assert.Equal([4f], persistent.Gradient(w, a)!.ToArray());
        persistent.Dispose();
        Assert.Null(z.GradFunction);                  // the kept graph was released
        Assert.Throws<ObjectDisposedException>(() => persistent.Gradient(z, a));
    }

    [Fact]
    public void Gradients_belong_to_the_scope_they_were_computed_in()
    {
        var a = Tensor.FromArray([2f]).WithRequiresGrad();
        Tensor? g;
        using (TensorScope.Begin())
        {
            using var tape = new GradientTape();
            g = tape.Gradient((a * a).Sum(), a);
            Assert.Equal([4f], g!.ToArray());
        }
        Assert.True(g.IsDisposed);
        Assert.False(a.IsDisposed);
    }

    [Fact]
    public void Gradients_match_backward_through_a_model()
    {
        var model = new Sequential(new Dense(4, activation: "tanh", inputShape: [3]), new Dense(2));
        var x = Tensor.RandomNormal([5, 3], generator: new RandomGenerator(3));
        var y = Tensor.RandomNormal([5, 2], generator: new RandomGenerator(4));
        Loss mse = "mse";
        mse.Compute(y, model.Call(x, training: true)).Backward();
        var expected = model.TrainableWeights.Select(w => w.Grad!.ToArray()).ToList();
        model.ZeroGrad();
        Assert.All(model.Weights, w => Assert.Null(w.Grad));
        using var tape = new GradientTape();
        var grads = tape.Gradient(mse.Compute(y, model.Call(x, training: true)), model.TrainableWeights);
        for (int i = 0; i < grads.Length; i++) Assert.Equal(expected[i], grads[i]!.ToArray());
        Assert.All(model.Weights, w => Assert.Null(w.Grad));
    }

    [Fact]
    public void Skipping_the_branches_not_asked_for_changes_no_gradient_and_no_flag()
    {
        var model = new Sequential(new Dense(4, activation: "relu", inputShape: [3]), new BatchNormalization(), new Dense(2, activation: "sigmoid"));
        var x = Tensor.RandomNormal([6, 3], generator: new RandomGenerator(5));
        Loss bce = "binary_crossentropy";
        var target = Tensor.Ones(6, 2);
        bce.Compute(target, model.Call(x, training: true)).Backward();
        var first = model.Layers[0].Weights;
        var expected = first.Select(w => w.Grad!.ToArray()).ToList();
        model.ZeroGrad();
        using (var tape = new GradientTape())
        {
            var grads = tape.Gradient(bce.Compute(target, model.Call(x, training: true)), first);
            Assert.Equal(expected[0], grads[0]!.ToArray());
            Assert.Equal(expected[1], grads[1]!.ToArray());
        }
        Assert.All(model.TrainableWeights, w => Assert.True(w.RequiresGrad));
        Assert.All(model.NonTrainableWeights, w => Assert.False(w.RequiresGrad));
        // A later full pass still reaches every weight.
        bce.Compute(target, model.Call(x, training: true)).Backward();
        Assert.All(model.TrainableWeights, w => Assert.NotNull(w.Grad));
    }
}
