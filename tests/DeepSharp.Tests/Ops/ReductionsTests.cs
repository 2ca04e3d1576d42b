namespace DeepSharp.Tests.Ops;

public class ReductionsTests
{
    private static readonly float[] Values = [3f, -1f, 4f, 1f, -5f, 9f, 2f, 6f, -5f, 3f, 5f, 8f];

    private static Tensor Grid() => Tensor.FromArray(Values, 2, 3, 2).WithRequiresGrad();

    /// <summary>The reference: reduce a [2, 3, 2] array over the given axes in double precision.</summary>
    private static float[] Reference(float[] x, int[] shape, int[] axes, Func<IEnumerable<double>, double> reduce)
    {
        var keep = shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        int size = keep.Aggregate(1, (a, b) => a * b);
        var groups = Enumerable.Range(0, size).Select(_ => new List<double>()).ToArray();
        var index = new int[shape.Length];
        for (int flat = 0; flat < x.Length; flat++)
        {
            int rest = flat;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }
            int target = 0;
            for (int d = 0; d < shape.Length; d++) target = target * keep[d] + (axes.Contains(d) ? 0 : index[d]);
            groups[target].Add(x[flat]);
        }
        return groups.Select(g => (float)reduce(g)).ToArray();
    }

    public static TheoryData<string, int[]> Cases
    {
        get
        {
            var data = new TheoryData<string, int[]>();
            foreach (var op in new[] { "sum", "mean", "max", "min" })
                foreach (var axes in new[] { new[] { 0 }, [1], [2], [-1], [0, 2], [2, 0], [1, 2], [0, 1], [0, 1, 2] })
                    data.Add(op, axes);
            return data;
        }
    }

    private static Tensor Apply(string op, Tensor x, int[] axes, bool keepDims) => op switch
    {
        "sum" => axes.Length == 1 ? x.Sum(axes[0], keepDims) : x.Sum(axes, keepDims),
        "mean" => axes.Length == 1 ? x.Mean(axes[0], keepDims) : x.Mean(axes, keepDims),
        "max" => axes.Length == 1 ? x.Max(axes[0], keepDims) : x.Max(axes, keepDims),
        _ => axes.Length == 1 ? x.Min(axes[0], keepDims) : x.Min(axes, keepDims),
    };

    private static Func<IEnumerable<double>, double> ReferenceOf(string op) => op switch
    {
        "sum" => g => g.Sum(),
        "mean" => g => g.Average(),
        "max" => g => g.Max(),
        _ => g => g.Min(),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Values_and_shapes_match_the_definition(string op, int[] axes)
    {
        var normalized = axes.Select(a => a < 0 ? a + 3 : a).ToArray();
        var expected = Reference(Values, [2, 3, 2], normalized, ReferenceOf(op));
        var kept = Apply(op, Grid(), axes, keepDims: true);
        var dropped = Apply(op, Grid(), axes, keepDims: false);
        Assert.Equal(new[] { 2, 3, 2 }.Select((d, i) => normalized.Contains(i) ? 1 : d).ToArray(), kept.Shape.ToArray());
        Assert.Equal(new[] { 2, 3, 2 }.Where((d, i) => !normalized.Contains(i)).ToArray(), dropped.Shape.ToArray());
        OpAssert.Close(expected, kept.ToArray());
        OpAssert.Close(expected, dropped.ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Passes_the_gradient_check(string op, int[] axes)
    {
        // Distinct values spaced well beyond the finite-difference step, so max and min have no near-ties.
        var x = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (i * 7 % 24) * 0.25f - 3f).ToArray(), 2, 3, 4).WithRequiresGrad();
        OpAssert.GradientChecks(t => Apply(op, t[0], axes, keepDims: false), x);
        OpAssert.GradientChecks(t => Apply(op, t[0], axes, keepDims: true), x);
    }

    [Fact]
    public void Reductions_over_everything_give_scalars()
    {
        var x = Grid();
        Assert.Equal(30f, x.Sum().Item());
        Assert.Equal(2.5f, x.Mean().Item());
        Assert.Equal(9f, x.Max().Item());
        Assert.Equal(-5f, x.Min().Item());
        Assert.Equal(0, x.Sum().Rank);
        Assert.Equal(new TensorShape(1, 1, 1), x.Sum(keepDims: true).Shape);
        OpAssert.GradientChecks(t => t[0].Mean(), x);
        OpAssert.GradientChecks(t => t[0].Sum(keepDims: true), x);
    }

    [Fact]
    public void Empty_axes_reduce_nothing()
    {
        var x = Grid();
        var y = x.Sum(ReadOnlySpan<int>.Empty);
        Assert.Equal(x.Shape, y.Shape);
        Assert.Equal(Values, y.ToArray());
        OpAssert.GradientChecks(t => t[0].Max(ReadOnlySpan<int>.Empty), x);
    }

    [Fact]
    public void Max_and_min_gradients_go_to_the_first_extreme_as_pytorch_max_dim()
    {
        var x = Tensor.FromArray([1f, 3f, 3f, 2f, 2f, 0f], 2, 3).WithRequiresGrad();
        x.Max(1).Backward(Tensor.FromArray([10f, 20f]));
        Assert.Equal([0f, 10f, 0f, 20f, 0f, 0f], x.Grad!.ToArray());
        x.ZeroGrad();
        x.Min(0).Backward(Tensor.FromArray([1f, 2f, 3f]));
        Assert.Equal([1f, 0f, 0f, 0f, 2f, 3f], x.Grad!.ToArray());
        x.ZeroGrad();
        x.Max().Backward();
        Assert.Equal([0f, 1f, 0f, 0f, 0f, 0f], x.Grad!.ToArray());
    }

    [Fact]
    public void Sum_backward_reaches_every_element_through_a_broadcast_view()
    {
        var x = Tensor.Ones(3, 4).WithRequiresGrad();
        var y = (x * 2f).Mean(0) * Tensor.FromArray([1f, 2f, 3f, 4f]);
        y.Sum().Backward();
        Assert.Equal(Enumerable.Repeat(new[] { 2f / 3, 4f / 3, 2f, 8f / 3 }, 3).SelectMany(v => v).ToArray(), x.Grad!.ToArray());
    }

    [Fact]
    public void Nan_propagates_through_max_and_min()
    {
        var x = Tensor.FromArray([1f, float.NaN, 3f, 4f], 2, 2);
        Assert.True(float.IsNaN(x.Max().Item()));
        var rows = x.Min(1).ToArray();
        Assert.True(float.IsNaN(rows[0]));
        Assert.Equal(3f, rows[1]);
    }

    [Theory]
    [InlineData(new[] { 300, 500 }, new[] { 0 })]        // columns split over threads
    [InlineData(new[] { 300, 500 }, new[] { 1 })]        // rows split over threads
    [InlineData(new[] { 1, 200_000 }, new[] { 1 })]      // one long row split into pieces
    [InlineData(new[] { 300, 500 }, new[] { 0, 1 })]
    [InlineData(new[] { 20, 30, 400 }, new[] { 1 })]     // a middle axis
    [InlineData(new[] { 20, 30, 40 }, new[] { 0, 2 })]   // two separate runs of axes
    public void Large_reductions_match_double_precision(int[] shape, int[] axes)
    {
        var x = Tensor.RandomUniform(shape, -1f, 1f, new RandomGenerator(9));
        var values = x.ToArray();
        foreach (var op in new[] { "sum", "max", "min" })
        {
            var expected = Reference(values, shape, axes, ReferenceOf(op));
            // Float32 sums of up to 200k terms in [-1, 1): a few ulps of the partial sums, far under 1e-3.
            OpAssert.Close(expected, Apply(op, x, axes, keepDims: false).ToArray(), relative: 1e-4, absolute: 1e-3);
        }
    }

    [Fact]
    public void Reductions_read_non_contiguous_views()
    {
        var x = Grid();
        var t = x.Transpose(0, 2); // [2, 3, 2] viewed with strides reversed
        var expected = Reference(t.Contiguous().ToArray(), [2, 3, 2], [1], g => g.Sum());
        OpAssert.Close(expected, t.Sum(1).ToArray());
        OpAssert.GradientChecks(v => v[0].Transpose(0, 2).Max(1), x);
    }

    [Fact]
    public void ArgMax_and_ArgMin_index_the_first_extreme()
    {
        var x = Tensor.FromArray([1f, 7f, 7f, 2f, -3f, 0f, 9f, -3f], 2, 4);
        Assert.Equal(6f, x.ArgMax().Item());
        Assert.Equal(4f, x.ArgMin().Item());
        Assert.Equal([1f, 2f], x.ArgMax(1).ToArray());
        Assert.Equal([0f, 0f], x.ArgMin(-1).ToArray());
        Assert.Equal([1f, 1f, 0f, 1f], x.ArgMin(0).ToArray());
        Assert.Equal(new TensorShape(2, 1), x.ArgMax(1, keepDims: true).Shape);
        Assert.False(x.WithRequiresGrad().ArgMax(1).RequiresGrad);
        Assert.Equal([0f, 1f, 1f, 0f], Tensor.FromArray([float.NaN, 1f, 2f, 5f, 0f, 3f, float.NaN, 3f], 2, 4).ArgMax(0).ToArray());
    }

    [Fact]
    public void Bad_axes_name_the_op_the_axis_and_the_shape()
    {
        var x = Tensor.Ones(2, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.Sum(2));
        Assert.Contains("Sum", e.Message);
        Assert.Contains("axis 2", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        var twice = Assert.Throws<ArgumentException>(() => x.Mean([1, -1]));
        Assert.Contains("Mean", twice.Message);
        Assert.Contains("twice", twice.Message);
        var arg = Assert.Throws<ArgumentOutOfRangeException>(() => x.ArgMax(-3));
        Assert.Contains("ArgMax", arg.Message);
    }

    [Fact]
    public void Extremes_of_nothing_are_errors_but_sums_are_zero()
    {
        var empty = Tensor.Zeros(2, 0);
        Assert.Equal([0f, 0f], empty.Sum(1).ToArray());
        Assert.True(float.IsNaN(empty.Mean().Item()));
        var e = Assert.Throws<ArgumentException>(() => empty.Max(1));
        Assert.Contains("Max", e.Message);
        Assert.Contains("(2, 0)", e.Message);
        Assert.Throws<ArgumentException>(() => empty.ArgMin());
    }
}
