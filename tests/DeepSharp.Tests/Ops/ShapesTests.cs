namespace DeepSharp.Tests.Ops;

public class ShapesTests
{
    private static Tensor Arange(params int[] shape) =>
        Tensor.Arange(0, shape.Aggregate(1, (a, b) => a * b)).Reshape(shape).Detach().Contiguous().WithRequiresGrad();

    private static Tensor Random(int seed, params int[] shape) => OpAssert.Random(seed, -1f, 1f, shape);

    // ---- reshape, flatten ------------------------------------------------------------------------------

    [Fact]
    public void Reshape_infers_one_dimension_and_shares_storage()
    {
        var x = Tensor.Arange(0, 12);
        var y = x.Reshape(3, -1);
        Assert.Equal(new TensorShape(3, 4), y.Shape);
        x[5] = 100f;
        Assert.Equal(100f, y[1, 1]); // a view: the change shows through
        Assert.Equal(new TensorShape(2, 6), x.Reshape(new TensorShape(2, 6)).Shape);
        Assert.Equal(new TensorShape(12), x.Reshape([2, 6]).Reshape(-1).Shape);
    }

    [Fact]
    public void Reshape_of_a_non_contiguous_view_copies_in_logical_order()
    {
        var x = Tensor.Arange(0, 6).Reshape(2, 3).Transpose();
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], x.Reshape(6).ToArray());
    }

    [Fact]
    public void Reshape_and_flatten_pass_the_gradient_check()
    {
        OpAssert.GradientChecks(t => t[0].Reshape(4, -1) * Tensor.Arange(0, 6), Random(1, 2, 3, 4));
        OpAssert.GradientChecks(t => t[0].Transpose().Reshape(-1), Random(2, 3, 4));
        OpAssert.GradientChecks(t => t[0].Flatten(1), Random(3, 2, 3, 4));
        OpAssert.GradientChecks(t => t[0].Flatten(), Random(4, 2, 3));
    }

    [Fact]
    public void Flatten_merges_the_requested_axes()
    {
        var x = Tensor.Zeros(2, 3, 4, 5);
        Assert.Equal(new TensorShape(120), x.Flatten().Shape);
        Assert.Equal(new TensorShape(2, 60), x.Flatten(1).Shape);
        Assert.Equal(new TensorShape(2, 12, 5), x.Flatten(1, 2).Shape);
        Assert.Equal(new TensorShape(2, 3, 20), x.Flatten(-2).Shape);
        Assert.Equal(new TensorShape(1), Tensor.Scalar(3f).Flatten().Shape);
    }

    [Fact]
    public void Reshape_errors_name_the_op_and_shapes()
    {
        var x = Tensor.Zeros(2, 3);
        var e = Assert.Throws<ArgumentException>(() => x.Reshape(4, 2));
        Assert.Contains("Reshape", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4, 2)", e.Message);
        Assert.Contains("one dimension", Assert.Throws<ArgumentException>(() => x.Reshape(-1, -1)).Message);
        Assert.Contains("-1 cannot be inferred", Assert.Throws<ArgumentException>(() => x.Reshape(4, -1)).Message);
        Assert.Contains("-2", Assert.Throws<ArgumentException>(() => x.Reshape(-2, -3)).Message);
        Assert.Contains("startAxis", Assert.Throws<ArgumentException>(() => x.Flatten(1, 0)).Message);
    }

    // ---- transpose, permute ----------------------------------------------------------------------------

    [Fact]
    public void Transpose_is_a_view_with_swapped_strides()
    {
        var x = Arange(2, 3);
        var t = x.Transpose();
        Assert.Equal(new TensorShape(3, 2), t.Shape);
        Assert.False(t.IsContiguous);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], t.ToArray());
        x[0, 1] = 42f;
        Assert.Equal(42f, t[1, 0]);
        Assert.Equal(new TensorShape(4, 3, 2), Tensor.Zeros(2, 3, 4).Transpose(0, -1).Shape);
    }

    [Fact]
    public void Transpose_and_permute_pass_the_gradient_check()
    {
        OpAssert.GradientChecks(t => t[0].Transpose() * Tensor.Arange(0, 6).Reshape(3, 2), Random(5, 2, 3));
        OpAssert.GradientChecks(t => t[0].Transpose(0, 2), Random(6, 2, 3, 4));
        OpAssert.GradientChecks(t => t[0].Permute(2, 0, 1) * Tensor.Arange(0, 24).Reshape(4, 2, 3), Random(7, 2, 3, 4));
    }

    [Fact]
    public void Permute_reorders_axes()
    {
        var x = Arange(2, 3, 4);
        var p = x.Permute(1, -1, 0);
        Assert.Equal(new TensorShape(3, 4, 2), p.Shape);
        Assert.Equal(x[1, 2, 3], p[2, 3, 1]);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => x.Permute(0, 0, 1)).Message);
        var e = Assert.Throws<ArgumentException>(() => x.Permute(0, 1));
        Assert.Contains("Permute", e.Message);
        Assert.Contains("(2, 3, 4)", e.Message);
        Assert.Contains("Transpose", Assert.Throws<ArgumentException>(() => Tensor.Zeros(3).Transpose()).Message);
        Assert.Contains("axis1", Assert.Throws<ArgumentOutOfRangeException>(() => x.Transpose(0, 3)).Message);
    }

    [Fact]
    public void Matmul_of_transposed_views_needs_no_copy_and_is_correct()
    {
        var a = Random(8, 4, 3);
        var b = Random(9, 4, 5);
        var expected = a.Transpose().Contiguous().MatMul(b).ToArray();
        OpAssert.Close(expected, a.Transpose().MatMul(b).ToArray());
        OpAssert.GradientChecks(t => t[0].Transpose().MatMul(t[1]), a, b);
        OpAssert.GradientChecks(t => t[1].Transpose().MatMul(t[0]), a, b);
        OpAssert.GradientChecks(t => t[0].MatMul(t[1].Transpose()), Random(10, 3, 4), Random(11, 5, 4));
        OpAssert.GradientChecks(t => t[0].Transpose().MatMul(t[1].Transpose()), Random(12, 4, 3), Random(13, 5, 4));
        OpAssert.GradientChecks(t => t[0].Transpose().MatMul(t[1]), Random(14, 2, 4, 3), Random(15, 2, 4, 5));
    }

    [Fact]
    public void Matmul_of_expanded_and_sliced_views_is_correct()
    {
        var row = Random(16, 1, 4);
        var b = Random(17, 4, 3);
        var expanded = row.Expand(5, 4);
        OpAssert.Close(expanded.Contiguous().MatMul(b).ToArray(), expanded.MatMul(b).ToArray());
        OpAssert.GradientChecks(t => t[0].Expand(5, 4).MatMul(t[1]), row, b);
        var wide = Random(18, 4, 8);
        var columns = wide.Slice(1, 2, 5);
        OpAssert.Close(columns.Contiguous().MatMul(b.Transpose()).ToArray(), columns.MatMul(b.Transpose()).ToArray());
        OpAssert.GradientChecks(t => t[0].Slice(1, 1, 8, 2).MatMul(t[1]), wide, b);
    }

    // ---- squeeze, unsqueeze, expand --------------------------------------------------------------------

    [Fact]
    public void Squeeze_and_unsqueeze_add_and_remove_unit_axes()
    {
        var x = Tensor.Zeros(2, 1, 3, 1);
        Assert.Equal(new TensorShape(2, 3), x.Squeeze().Shape);
        Assert.Equal(new TensorShape(2, 3, 1), x.Squeeze(1).Shape);
        Assert.Equal(new TensorShape(2, 1, 3), x.Squeeze(-1).Shape);
        Assert.Equal(new TensorShape(1, 2, 1, 3, 1), x.Unsqueeze(0).Shape);
        Assert.Equal(new TensorShape(2, 1, 3, 1, 1), x.Unsqueeze(-1).Shape);
        Assert.Equal(new TensorShape(2, 1, 1, 3, 1), x.Unsqueeze(2).Shape);
        var t = Arange(2, 3).Transpose().Unsqueeze(1);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], t.ToArray());
        var e = Assert.Throws<ArgumentException>(() => x.Squeeze(0));
        Assert.Contains("Squeeze", e.Message);
        Assert.Contains("size 2", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Unsqueeze(5));
    }

    [Fact]
    public void Squeeze_unsqueeze_and_expand_pass_the_gradient_check()
    {
        OpAssert.GradientChecks(t => t[0].Squeeze(), Random(19, 2, 1, 3));
        OpAssert.GradientChecks(t => t[0].Unsqueeze(1) * Tensor.Arange(0, 12).Reshape(2, 2, 3), Random(20, 2, 3));
        OpAssert.GradientChecks(t => t[0].Expand(4, -1, 3) * Tensor.Arange(0, 24).Reshape(4, 2, 3), Random(21, 2, 1));
    }

    [Fact]
    public void Expand_is_a_stride_zero_view()
    {
        var x = Tensor.FromArray([1f, 2f], 2, 1);
        var y = x.Expand(3, 2, 4);
        Assert.Equal(new TensorShape(3, 2, 4), y.Shape);
        Assert.Equal(0, y.Stride(0));
        Assert.Equal(0, y.Stride(2));
        Assert.Equal(2f, y[2, 1, 3]);
        var e = Assert.Throws<ArgumentException>(() => x.Expand(3, 4));
        Assert.Contains("Expand", e.Message);
        Assert.Contains("(2, 1)", e.Message);
        Assert.Contains("(3, 4)", e.Message);
        Assert.Throws<ArgumentException>(() => x.Expand(4));
        Assert.Throws<ArgumentException>(() => x.Expand(-1, 2, 1));
    }

    // ---- slice -----------------------------------------------------------------------------------------

    [Fact]
    public void Slice_follows_python_indexing()
    {
        var x = Tensor.Arange(0, 10);
        Assert.Equal([2f, 3f, 4f], x.Slice(0, 2, 5).ToArray());
        Assert.Equal([7f, 8f, 9f], x.Slice(0, -3).ToArray());
        Assert.Equal([1f, 4f, 7f], x.Slice(0, 1, -2, 3).ToArray());
        Assert.Equal([0f, 1f], x.Slice(0, -100, 2).ToArray());
        Assert.Empty(x.Slice(0, 5, 2).ToArray());
        Assert.Empty(x.Slice(0, 20, 30).ToArray());
        var m = Arange(3, 4);
        Assert.Equal([1f, 3f, 5f, 7f, 9f, 11f], m.Slice(1, 1, 4, 2).ToArray());
        m[1, 3] = -1f;
        Assert.Equal(-1f, m.Slice(0, 1)[0, 3]); // a view
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.Slice(0, 0, 5, 0));
        Assert.Contains("step", e.Message);
        Assert.Contains("Slice", Assert.Throws<ArgumentOutOfRangeException>(() => m.Slice(2, 0)).Message);
    }

    [Fact]
    public void Slice_passes_the_gradient_check()
    {
        OpAssert.GradientChecks(t => t[0].Slice(1, 1, 4, 2), Random(22, 3, 5));
        OpAssert.GradientChecks(t => t[0].Slice(0, -2) * 3f + t[0].Slice(0, 0, 2), Random(23, 4, 2));
        OpAssert.GradientChecks(t => t[0].Transpose().Slice(0, 1, 3), Random(24, 3, 4));
    }

    // ---- contiguous ------------------------------------------------------------------------------------

    [Fact]
    public void Contiguous_returns_contiguous_tensors_themselves_and_copies_views()
    {
        var x = Arange(2, 3);
        Assert.Same(x, x.Contiguous());
        var t = x.Transpose().Contiguous();
        Assert.True(t.IsContiguous);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], t.ToArray());
        OpAssert.GradientChecks(v => v[0].Transpose().Contiguous() * Tensor.Arange(0, 6).Reshape(3, 2), Random(25, 2, 3));
    }

    // ---- concat, stack, split --------------------------------------------------------------------------

    [Fact]
    public void Concat_joins_along_an_axis()
    {
        var a = Arange(2, 2);
        var b = Tensor.FromArray([10f, 11f, 12f, 13f, 14f, 15f], 2, 3);
        Assert.Equal([0f, 1f, 10f, 11f, 12f, 2f, 3f, 13f, 14f, 15f], DeepSharp.Ops.Concat([a, b], 1).ToArray());
        Assert.Equal([0f, 1f, 2f, 3f, 0f, 2f, 1f, 3f], DeepSharp.Ops.Concat([a, a.Transpose()]).ToArray());
        var e = Assert.Throws<ArgumentException>(() => DeepSharp.Ops.Concat([a, b], 0));
        Assert.Contains("Concat", e.Message);
        Assert.Contains("tensor 1", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Throws<ArgumentException>(() => DeepSharp.Ops.Concat([], 0));
    }

    [Fact]
    public void Concat_and_stack_pass_the_gradient_check()
    {
        OpAssert.GradientChecks(t => DeepSharp.Ops.Concat([t[0], t[1], t[0]], 1), Random(26, 2, 3), Random(27, 2, 1));
        OpAssert.GradientChecks(t => DeepSharp.Ops.Concat([t[0].Transpose(), t[1]], 0), Random(28, 2, 3), Random(29, 1, 2));
        OpAssert.GradientChecks(t => DeepSharp.Ops.Stack([t[0], t[1]], 1), Random(30, 2, 3), Random(31, 2, 3));
        OpAssert.GradientChecks(t => DeepSharp.Ops.Stack([t[0], t[1].Transpose(), t[0]], -1), Random(32, 2, 3), Random(33, 3, 2));
    }

    [Fact]
    public void Stack_adds_an_axis()
    {
        var a = Tensor.FromArray([1f, 2f, 3f]);
        var b = Tensor.FromArray([4f, 5f, 6f]);
        var rows = DeepSharp.Ops.Stack([a, b]);
        Assert.Equal(new TensorShape(2, 3), rows.Shape);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], rows.ToArray());
        var columns = DeepSharp.Ops.Stack([a, b], -1);
        Assert.Equal(new TensorShape(3, 2), columns.Shape);
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], columns.ToArray());
        Assert.Equal(new TensorShape(2), DeepSharp.Ops.Stack([Tensor.Scalar(1f), Tensor.Scalar(2f)]).Shape);
        var e = Assert.Throws<ArgumentException>(() => DeepSharp.Ops.Stack([a, Tensor.Zeros(2)]));
        Assert.Contains("Stack", e.Message);
        Assert.Contains("(2,)", e.Message);
    }

    [Fact]
    public void Split_gives_views_by_count_or_sizes()
    {
        var x = Arange(6, 2);
        var thirds = x.Split(3);
        Assert.Equal(3, thirds.Length);
        Assert.Equal([4f, 5f, 6f, 7f], thirds[1].ToArray());
        var parts = x.Split([1, 0, 5]);
        Assert.Equal(new TensorShape(0, 2), parts[1].Shape);
        Assert.Equal(new TensorShape(5, 2), parts[2].Shape);
        var halves = x.Split(2, axis: 1);
        Assert.Equal([1f, 3f, 5f, 7f, 9f, 11f], halves[1].ToArray());
        Assert.Contains("equal parts", Assert.Throws<ArgumentException>(() => x.Split(4)).Message);
        var e = Assert.Throws<ArgumentException>(() => x.Split([2, 2]));
        Assert.Contains("Split", e.Message);
        Assert.Contains("add up to 4", e.Message);
    }

    [Fact]
    public void Split_passes_the_gradient_check()
    {
        OpAssert.GradientChecks(t =>
        {
            var p = t[0].Split([1, 3], axis: 1);
            return p[0] * p[1].Sum(1, keepDims: true);
        }, Random(34, 3, 4));
        OpAssert.GradientChecks(t => t[0].Split(2)[1], Random(35, 4, 3));
    }

    // ---- gather / take ---------------------------------------------------------------------------------

    [Fact]
    public void Gather_takes_slices_by_index_along_an_axis()
    {
        var x = Arange(3, 4);
        Assert.Equal([8f, 9f, 10f, 11f, 0f, 1f, 2f, 3f], x.Gather([2, 0]).ToArray());
        Assert.Equal([3f, 1f, 7f, 5f, 11f, 9f], x.Gather([-1, 1], axis: 1).ToArray());
        var labels = Tensor.FromArray([1f, 1f, 0f, 2f], 2, 2);
        var rows = x.Gather(labels);
        Assert.Equal(new TensorShape(2, 2, 4), rows.Shape);
        Assert.Equal([4f, 5f, 6f, 7f], rows.Slice(0, 0, 1).Slice(1, 1, 2).Reshape(-1).ToArray());
        Assert.Equal(new TensorShape(3, 2, 2), x.Take(labels, axis: 1).Shape);
        Assert.Equal(x.Gather([1, 2]).ToArray(), x.Take([1, 2]).ToArray());
    }

    [Fact]
    public void Gather_gradient_adds_up_over_repeated_indices()
    {
        var x = Arange(3, 2);
        x.Gather([2, 0, 2]).Backward(Tensor.Ones(3, 2));
        Assert.Equal([1f, 1f, 0f, 0f, 2f, 2f], x.Grad!.ToArray());
        OpAssert.GradientChecks(t => t[0].Gather([1, 1, 0, -1], axis: 1), Random(36, 2, 3));
        OpAssert.GradientChecks(t => t[0].Gather(Tensor.FromArray([3f, 0f, 3f, 1f], 2, 2)), Random(37, 4, 3));
        OpAssert.GradientChecks(t => t[0].Transpose().Take(Tensor.FromArray([2f, 0f]), axis: 0), Random(38, 2, 3));
    }

    [Fact]
    public void Bad_indices_name_the_index_and_the_dimension_size()
    {
        var x = Tensor.Zeros(5, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.Gather([0, 7]));
        Assert.Contains("Gather", e.Message);
        Assert.Contains("index 7", e.Message);
        Assert.Contains("size 5", e.Message);
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => x.Take([-4], axis: 1));
        Assert.Contains("Take", negative.Message);
        Assert.Contains("index -4", negative.Message);
        Assert.Contains("size 3", negative.Message);
        var fraction = Assert.Throws<ArgumentOutOfRangeException>(() => x.Gather(Tensor.FromArray([1.5f])));
        Assert.Contains("whole number", fraction.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Gather(Tensor.FromArray([float.NaN])));
    }

    [Fact]
    public void Large_gathers_match_the_serial_copy()
    {
        var table = Tensor.RandomUniform([1000, 64], generator: new RandomGenerator(39));
        var ids = Enumerable.Range(0, 4000).Select(i => i * 37 % 1000).ToArray();
        var rows = table.Gather(ids).ToArray();
        var values = table.ToArray();
        for (int i = 0; i < ids.Length; i += 97)
            for (int c = 0; c < 64; c++) Assert.Equal(values[ids[i] * 64 + c], rows[i * 64 + c]);
    }
}
