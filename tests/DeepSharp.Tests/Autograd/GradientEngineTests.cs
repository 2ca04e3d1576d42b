namespace DeepSharp.Tests.Autograd;

public class GradientEngineTests
{
    [Fact]
    public void Gradients_of_a_product_and_sum_are_exact()
    {
        var a = Tensor.FromArray([1f, 2f, 3f]).WithRequiresGrad();
        var b = Tensor.FromArray([4f, 5f, 6f]).WithRequiresGrad();
        var y = a * b + a;                       // dy/da = b + 1, dy/db = a
        y.Backward(Tensor.Ones(3));
        Assert.Equal([5f, 6f, 7f], a.Grad!.ToArray());
        Assert.Equal([1f, 2f, 3f], b.Grad!.ToArray());
    }

    [Fact]
    public void Gradients_accumulate_across_backward_calls()
    {
        var a = Tensor.FromArray([1f, 2f]).WithRequiresGrad();
        (a * 3f).Backward(Tensor.Ones(2));
        (a * 3f).Backward(Tensor.Ones(2));
        Assert.Equal([6f, 6f], a.Grad!.ToArray());
        a.ZeroGrad();
        Assert.Null(a.Grad);
        (a * 2f).Backward(Tensor.Ones(2));
        Assert.Equal([2f, 2f], a.Grad!.ToArray());
    }

    [Fact]
    public void A_tensor_used_twice_receives_both_gradients()
    {
        var x = Tensor.FromArray([3f]).WithRequiresGrad();
        var y = x * x;                           // 2x
        y.Backward(Tensor.Ones(1));
        Assert.Equal(6f, x.Grad![0]);
    }

    [Fact]
    public void Broadcast_operands_get_summed_gradients()
    {
        var x = Tensor.Ones(4, 3).WithRequiresGrad();
        var bias = Tensor.FromArray([1f, 2f, 3f]).WithRequiresGrad();
        (x + bias).Backward(Tensor.Ones(4, 3));
        Assert.Equal([4f, 4f, 4f], bias.Grad!.ToArray());
        Assert.Equal(new TensorShape(4, 3), x.Grad!.Shape);
    }

    [Fact]
    public void Backward_on_a_non_scalar_without_gradient_names_the_shape()
    {
        var x = Tensor.Ones(2, 3).WithRequiresGrad();
        var e = Assert.Throws<InvalidOperationException>(() => (x * 2f).Backward());
        Assert.StartsWith("Backward:", e.Message);
        Assert.Contains("shape (2, 3)", e.Message);
        Assert.Contains("scalar", e.Message);
        var e2 = Assert.Throws<InvalidOperationException>(() => x.MatMul(Tensor.Ones(3, 4)).Backward());
        Assert.StartsWith("Backward:", e2.Message);
        Assert.Contains("shape (2, 4)", e2.Message);
    }

    [Fact]
    public void A_kept_graph_is_released_past_inputs_freed_since_while_backward_refuses_them()
    {
        var x = Tensor.FromArray([1f, 2f]).WithRequiresGrad();
        Tensor hidden, y;
        var tape = new GradientTape(persistent: true);
        using (TensorScope.Begin())
        {
            hidden = x * 2f;
            y = TensorScope.Keep(hidden * 3f);
            Assert.Equal([6f, 6f], tape.Gradient(y, x)!.ToArray());
        } // hidden is freed here; y's graph still points at it
        Assert.Throws<ObjectDisposedException>(() => y.Backward(Tensor.Ones(2), retainGraph: true));
        tape.Dispose(); // releasing the kept graph walks past the freed input instead of failing
        var released = Assert.Throws<InvalidOperationException>(() => y.Backward(Tensor.Ones(2)));
        Assert.Contains("released", released.Message);
    }

    [Fact]
    public void Backward_twice_through_a_released_graph_throws_and_retainGraph_allows_it()
    {
        var x = Tensor.FromArray([2f]).WithRequiresGrad();
        var y = x * x;
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.Equal(8f, x.Grad![0]);
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.StartsWith("Backward:", e.Message);
        Assert.Contains("shape (1,)", e.Message);
        Assert.Contains("'mul'", e.Message);
        Assert.Contains("released", e.Message);
        Assert.Contains("retainGraph", e.Message);
        var m = Tensor.Ones(2, 3).WithRequiresGrad();
        var product = m.MatMul(Tensor.Ones(3, 4)).Sum();
        product.Backward();
        var again = Assert.Throws<InvalidOperationException>(() => product.Backward());
        Assert.StartsWith("Backward:", again.Message);
        Assert.Contains("shape ()", again.Message);
        Assert.Contains("'sum'", again.Message);
    }

    [Fact]
    public void Backward_through_an_interior_tensor_whose_graph_was_released_throws()
    {
        var x = Tensor.FromArray([2f]).WithRequiresGrad();
        var h = x * 3f;
        var y = h * 2f;
        y.Backward();
        var z = h * 5f;
        var e = Assert.Throws<InvalidOperationException>(() => z.Backward());
        Assert.Contains("released", e.Message);
        Assert.Contains("shape (1,)", e.Message); // h: the interior tensor whose graph is gone
        Assert.Contains("'mul'", e.Message);
    }

    [Fact]
    public void NoGrad_records_nothing()
    {
        var x = Tensor.Ones(2).WithRequiresGrad();
        Tensor y;
        using (DeepSharp.Autograd.NoGrad()) y = x * 2f;
        Assert.False(y.RequiresGrad);
        Assert.Null(y.GradFunction);
        Assert.True((x * 2f).RequiresGrad);
    }

    [Fact]
    public void Detach_shares_values_but_not_the_graph()
    {
        var x = Tensor.FromArray([1f, 2f]).WithRequiresGrad();
        var y = x * 2f;
        var d = y.Detach();
        Assert.False(d.RequiresGrad);
        Assert.Equal([2f, 4f], d.ToArray());
        var e = Assert.Throws<InvalidOperationException>(() => (d * 2f).Backward(Tensor.Ones(2)));
        Assert.Contains("does not require grad", e.Message);
    }

    [Fact]
    public void Backward_with_a_gradient_of_the_wrong_shape_names_both_shapes()
    {
        var x = Tensor.Ones(2, 2).WithRequiresGrad();
        var e = Assert.Throws<ArgumentException>(() => (x * 2f).Backward(Tensor.Ones(3)));
        Assert.Contains("(3,)", e.Message);
        Assert.Contains("(2, 2)", e.Message);
    }

    [Fact]
    public void Graph_inside_a_scope_is_freed_with_it()
    {
        var w = Tensor.Ones(3).WithRequiresGrad();
        for (int step = 0; step < 3; step++)
        {
            w.ZeroGrad();
            using (TensorScope.Begin())
            {
                (w * w * 0.5f).Backward(Tensor.Ones(3));
            }
            Assert.Equal([1f, 1f, 1f], w.Grad!.ToArray());
            Assert.False(w.Grad!.IsDisposed);
        }
    }

    [Fact]
    public void Backward_through_a_graph_whose_intermediates_were_recycled_throws_instead_of_a_wrong_gradient()
    {
        var w = Tensor.Ones(3).WithRequiresGrad();
        Tensor y;
        using (TensorScope.Begin())
        {
            var h = w * 2f;
            y = TensorScope.Keep(h * 3f);
        }
        var other = Tensor.Ones(3).WithRequiresGrad(); // may reuse h's pooled object
        var e = Assert.Throws<ObjectDisposedException>(() => y.Backward(Tensor.Ones(3)));
        Assert.Contains("TensorScope", e.Message);
        Assert.Null(other.Grad);
    }

    [Fact]
    public void Disposing_a_suspension_twice_keeps_scopes_balanced()
    {
        var suspension = TensorScope.Suspend();
        suspension.Dispose();
        suspension.Dispose();
        Tensor inside;
        using (TensorScope.Begin()) inside = Tensor.Ones(1);
        Assert.True(inside.IsDisposed);
    }

    [Fact]
    public void A_matmul_writes_a_weight_gradient_into_the_buffer_ZeroGrad_set_aside()
    {
        // The rule takes the spare buffer as its output: no copy, and Grad stays the same tensor step after step.
        var w = Tensor.RandomNormal([6, 4], generator: new RandomGenerator(1)).WithRequiresGrad();
        var x1 = Tensor.RandomNormal([5, 6], generator: new RandomGenerator(2));
        var x2 = Tensor.RandomNormal([5, 6], generator: new RandomGenerator(3));
        x1.MatMul(w).Sum().Backward();
        var first = w.Grad!;
        Assert.Equal(ColumnSumsRepeated(x1, 4), first.ToArray());
        w.ZeroGrad();
        Assert.Null(w.Grad);

        x2.MatMul(w).Sum().Backward();
        Assert.Same(first, w.Grad);
        Assert.Equal(ColumnSumsRepeated(x2, 4), w.Grad!.ToArray());

        // Without ZeroGrad the next gradient adds to it, as before.
        x1.MatMul(w).Sum().Backward();
        var sum = ColumnSumsRepeated(x1, 4).Zip(ColumnSumsRepeated(x2, 4), (a, b) => a + b).ToArray();
        OpsClose(sum, w.Grad!.ToArray());
    }

    [Fact]
    public void A_tape_gradient_never_receives_the_buffer_a_leaf_set_aside()
    {
        var w = Tensor.RandomNormal([6, 4], generator: new RandomGenerator(1)).WithRequiresGrad();
        var x = Tensor.RandomNormal([5, 6], generator: new RandomGenerator(2));
        x.MatMul(w).Sum().Backward();
        var spare = w.Grad!;
        w.ZeroGrad();
        Tensor? fromTape;
        using (var tape = new GradientTape())
            fromTape = tape.Gradient(x.MatMul(w).Sum(), w);
        Assert.NotSame(spare, fromTape);
        Assert.Equal(ColumnSumsRepeated(x, 4), fromTape!.ToArray());
        Assert.Null(w.Grad);
        fromTape.Dispose();
        // The set-aside buffer is still there for the next backward.
        x.MatMul(w).Sum().Backward();
        Assert.Same(spare, w.Grad);
        Assert.Equal(ColumnSumsRepeated(x, 4), w.Grad!.ToArray());
    }

    /// <summary>d(Σ x·w)/dw for x of shape [rows, k] and w of shape [k, n]: row i of the gradient is Σ_r x[r, i], repeated n times.</summary>
    private static float[] ColumnSumsRepeated(Tensor x, int n)
    {
        var v = x.ToArray();
        int rows = x.Shape[0], k = x.Shape[1];
        var g = new float[k * n];
        for (int i = 0; i < k; i++)
        {
            float s = 0;
            for (int r = 0; r < rows; r++) s += v[r * k + i];
            for (int j = 0; j < n; j++) g[i * n + j] = s;
        }
        return g;
    }

    private static void OpsClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 4);
    }
}
