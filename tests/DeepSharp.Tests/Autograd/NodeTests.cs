namespace DeepSharp.Tests.Autograd;

/// <summary>What an op saves for its backward rule: a typed struct kept inline, and tensors it owns.</summary>
public class NodeTests
{
    private readonly record struct Geometry(int Axis, float Scale, bool Flag);

    private readonly record struct Oversized(Dims8 A, Dims8 B, Dims8 C, Dims8 D);

    /// <summary>y = x·scale recorded by hand, its scale saved as <typeparamref name="T"/> and read back by <paramref name="read"/>.</summary>
    private static Tensor Scaled<T>(Tensor x, T saved, Func<Node, float> read) where T : unmanaged
    {
        Tensor y;
        using (DeepSharp.Autograd.NoGrad()) y = x * 3f;
        Node.Record("test_scale", (n, g) => GradientEngine.Accumulate(n.A!, g * read(n)), y, x)!.Save(saved);
        return y;
    }

    [Fact]
    public void A_saved_struct_is_read_back_as_it_was()
    {
        var x = Tensor.FromArray([1f, 2f]).WithRequiresGrad();
        var y = Scaled(x, new Geometry(2, 3f, true), n =>
        {
            var (axis, scale, flag) = n.State<Geometry>();
            Assert.Equal(2, axis);
            Assert.True(flag);
            return scale;
        });
        y.Backward(Tensor.Ones(2));
        Assert.Equal([3f, 3f], x.Grad!.ToArray());
    }

    [Fact]
    public void Reading_another_type_than_the_op_saved_names_the_op_and_both_types()
    {
        var x = Tensor.FromArray([1f]).WithRequiresGrad();
        var y = Scaled(x, new Geometry(0, 3f, false), n => n.State<float>());
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("test_scale", e.Message);
        Assert.Contains("Single", e.Message);
        Assert.Contains("Geometry", e.Message);
    }

    [Fact]
    public void A_state_larger_than_a_node_holds_is_refused()
    {
        var x = Tensor.FromArray([1f]).WithRequiresGrad();
        var e = Assert.Throws<InvalidOperationException>(() => Scaled(x, new Oversized(), _ => 1f));
        Assert.Contains("Oversized", e.Message);
        Assert.Contains($"{Node.StateCapacity}", e.Message);
    }

    [Fact]
    public void Kept_tensors_leave_the_scope_and_are_recycled_with_the_node()
    {
        var x = Tensor.FromArray([1f, 2f]).WithRequiresGrad();
        Tensor mask, y;
        using (TensorScope.Begin())
        {
            mask = Tensor.FromArray([0f, 2f]);
            using (DeepSharp.Autograd.NoGrad()) y = x * mask;
            y = TensorScope.Keep(y);
            Node.Record("test_mask", (n, g) => GradientEngine.Accumulate(n.A!, g * n.Kept.First!), y, x)!.Keep(mask);
        }
        Assert.False(mask.IsDisposed); // the scope ended, the node still holds it
        y.Backward(Tensor.Ones(2));
        Assert.Equal([0f, 2f], x.Grad!.ToArray());
        Assert.True(mask.IsDisposed); // released with the node after backward
    }
}
