namespace DeepSharp.Tests.Ops;

public class ComparisonsTests
{
    [Fact]
    public void Comparisons_give_zero_one_with_broadcasting()
    {
        var a = Tensor.FromArray([1f, 2f, 3f], 3, 1);
        var b = Tensor.FromArray([2f, 3f]);
        Assert.Equal([0f, 0f, 1f, 0f, 0f, 1f], DeepSharp.Ops.Equal(a, b).ToArray());
        Assert.Equal([1f, 1f, 0f, 1f, 1f, 0f], a.NotEqual(b).ToArray());
        Assert.Equal([0f, 0f, 0f, 0f, 1f, 0f], a.Greater(b).ToArray());
        Assert.Equal([0f, 0f, 1f, 0f, 1f, 1f], a.GreaterEqual(b).ToArray());
        Assert.Equal([1f, 1f, 0f, 1f, 0f, 0f], a.Less(b).ToArray());
        Assert.Equal([1f, 1f, 1f, 1f, 0f, 1f], a.LessEqual(b).ToArray());
        Assert.Equal(new TensorShape(3, 2), a.Less(b).Shape);
    }

    [Fact]
    public void Comparisons_with_a_constant_and_with_nan()
    {
        var x = Tensor.FromArray([-1f, 0f, 2f, float.NaN]);
        Assert.Equal([0f, 0f, 1f, 0f], x.Greater(0f).ToArray());
        Assert.Equal([1f, 1f, 0f, 0f], x.LessEqual(0f).ToArray());
        Assert.Equal([0f, 1f, 0f, 0f], x.Equal(0f).ToArray());
        Assert.Equal([1f, 0f, 1f, 1f], x.NotEqual(0f).ToArray());
        Assert.Equal([0f, 1f, 1f, 0f], x.GreaterEqual(0f).ToArray());
        Assert.Equal([1f, 0f, 0f, 0f], x.Less(0f).ToArray());
        Assert.Equal(1f, x.Slice(0, 3).NotEqual(x.Slice(0, 3)).Item()); // NaN ≠ NaN
    }

    [Fact]
    public void Comparisons_over_long_vectors_agree_with_scalar_comparison()
    {
        var a = Tensor.RandomUniform([1037], generator: new RandomGenerator(1));
        var b = Tensor.RandomUniform([1037], generator: new RandomGenerator(2));
        var greater = a.Greater(b).ToArray();
        var av = a.ToArray();
        var bv = b.ToArray();
        for (int i = 0; i < av.Length; i++) Assert.Equal(av[i] > bv[i] ? 1f : 0f, greater[i]);
    }

    [Fact]
    public void Comparisons_record_no_graph()
    {
        var x = Tensor.Ones(3).WithRequiresGrad();
        Assert.False(x.Greater(0f).RequiresGrad);
        Assert.False(x.Equal(x).RequiresGrad);
    }

    [Fact]
    public void Comparisons_name_the_op_when_shapes_disagree()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Ones(2, 3).Less(Tensor.Ones(4)));
        Assert.Contains("Less", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4,)", e.Message);
    }

    // ---- where -----------------------------------------------------------------------------------------

    [Fact]
    public void Where_selects_with_broadcasting()
    {
        var condition = Tensor.FromArray([1f, 0f, float.NaN], 3, 1);
        var a = Tensor.FromArray([10f, 20f]);
        var b = Tensor.Scalar(-1f);
        var y = DeepSharp.Ops.Where(condition, a, b);
        Assert.Equal(new TensorShape(3, 2), y.Shape);
        Assert.Equal([10f, 20f, -1f, -1f, 10f, 20f], y.ToArray());
    }

    [Fact]
    public void Where_passes_the_gradient_check_and_gives_the_condition_none()
    {
        var condition = Tensor.FromArray([1f, 0f, 0f, 1f, 1f, 0f], 2, 3).WithRequiresGrad();
        var a = OpAssert.Random(1, -1f, 1f, 2, 3);
        var b = OpAssert.Random(2, -1f, 1f, 3);
        OpAssert.GradientChecks(t => DeepSharp.Ops.Where(condition, t[0], t[1]), a, b);
        condition.ZeroGrad();
        a.ZeroGrad();
        DeepSharp.Ops.Where(condition, a, b).Backward(Tensor.Ones(2, 3));
        Assert.Null(condition.Grad);
        Assert.Equal([1f, 0f, 0f, 1f, 1f, 0f], a.Grad!.ToArray());
    }

    [Fact]
    public void Where_over_large_tensors_matches_the_definition()
    {
        var c = Tensor.RandomUniform([400, 500], generator: new RandomGenerator(3)).Greater(0.5f);
        var a = Tensor.RandomUniform([400, 500], generator: new RandomGenerator(4));
        var b = Tensor.RandomUniform([500], generator: new RandomGenerator(5));
        var y = DeepSharp.Ops.Where(c, a, b).ToArray();
        var cv = c.ToArray();
        var av = a.ToArray();
        var bv = b.ToArray();
        for (int i = 0; i < y.Length; i += 13) Assert.Equal(cv[i] != 0 ? av[i] : bv[i % 500], y[i]);
    }

    // ---- maximum / minimum -----------------------------------------------------------------------------

    [Fact]
    public void Maximum_and_minimum_pass_the_gradient_check_with_broadcasting()
    {
        // Values spaced so no pair is within the finite-difference step of a tie.
        var a = Tensor.FromArray([0.1f, 0.9f, -0.7f, 0.4f, -0.2f, 0.6f], 2, 3).WithRequiresGrad();
        var b = Tensor.FromArray([0.3f, -0.4f, 0.8f]).WithRequiresGrad();
        OpAssert.GradientChecks(t => t[0].Maximum(t[1]), a, b);
        OpAssert.GradientChecks(t => t[0].Minimum(t[1]), a, b);
        OpAssert.GradientChecks(t => t[1].Minimum(t[0]), a, b);
        Assert.Equal([0.3f, 0.9f, 0.8f, 0.4f, -0.2f, 0.8f], a.Maximum(b).ToArray());
        Assert.Equal([0.1f, -0.4f, -0.7f, 0.3f, -0.4f, 0.6f], a.Minimum(b).ToArray());
    }

    [Fact]
    public void Ties_share_the_gradient_as_pytorch()
    {
        var a = Tensor.FromArray([1f, 3f, 3f]).WithRequiresGrad();
        var b = Tensor.FromArray([3f, 3f, 1f]).WithRequiresGrad();
        a.Maximum(b).Backward(Tensor.Ones(3));
        Assert.Equal([0f, 0.5f, 1f], a.Grad!.ToArray());
        Assert.Equal([1f, 0.5f, 0f], b.Grad!.ToArray());
        a.ZeroGrad();
        b.ZeroGrad();
        a.Minimum(b).Backward(Tensor.Ones(3));
        Assert.Equal([1f, 0.5f, 0f], a.Grad!.ToArray());
        Assert.Equal([0f, 0.5f, 1f], b.Grad!.ToArray());
    }

    [Fact]
    public void Maximum_with_a_constant_operand_sends_it_nothing()
    {
        var x = Tensor.FromArray([-1f, 2f]).WithRequiresGrad();
        var floor = Tensor.Zeros(2);
        x.Maximum(floor).Backward(Tensor.Ones(2));
        Assert.Equal([0f, 1f], x.Grad!.ToArray());
        Assert.Null(floor.Grad);
    }
}
