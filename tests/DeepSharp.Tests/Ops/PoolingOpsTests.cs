using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

using Ops = global::DeepSharp.Ops;

/// <summary>Max and average pooling against PyTorch (with Keras' "same" rules applied in the fixture script) and finite differences.</summary>
public class PoolingOpsTests
{
    public static TheoryData<string, string> Cases => PyTorchFixture.Cases("conv/pooling.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Pooling_matches_pytorch(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var x = f.Input(0);
        var y = f.Op == "max_pool2d"
            ? Ops.MaxPool2D(x, f.Size("pool"), f.Size("strides"), f.String("padding"))
            : Ops.AveragePool2D(x, f.Size("pool"), f.Size("strides"), f.String("padding"));
        Assert.Equal(f.Output.Shape, y.Shape.ToArray());
        OpAssert.Close(f.Output.Values, y.ToArray(), 1e-5, 1e-6);
        y.Backward(f.Upstream());
        OpAssert.Close(f.Gradients[0].Values, x.Grad!.ToArray(), 1e-5, 1e-6);
    }

    public static TheoryData<string, string> SequenceCases => PyTorchFixture.Cases("conv/pooling1d.json");

    [Theory]
    [MemberData(nameof(SequenceCases))]
    public void Pooling_1d_matches_pytorch(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var x = f.Input(0);
        int pool = f.Args.GetProperty("pool").GetInt32(), strides = f.Args.GetProperty("strides").GetInt32();
        var y = f.Op == "max_pool1d"
            ? Ops.MaxPool1D(x, pool, strides, f.String("padding"))
            : Ops.AveragePool1D(x, pool, strides, f.String("padding"));
        Assert.Equal(f.Output.Shape, y.Shape.ToArray());
        OpAssert.Close(f.Output.Values, y.ToArray(), 1e-5, 1e-6);
        y.Backward(f.Upstream());
        OpAssert.Close(f.Gradients[0].Values, x.Grad!.ToArray(), 1e-5, 1e-6);
    }

    [Theory]
    [InlineData(2, 2, "valid")]
    [InlineData(3, 1, "same")]
    public void Pooling_1d_gradient_checks(int pool, int stride, string padding)
    {
        var values = Enumerable.Range(0, 2 * 7 * 3).Select(i => (float)((i * 37) % 97) * 0.1f).ToArray();
        var x = Tensor.FromArray(values, 2, 7, 3).WithRequiresGrad();
        OpAssert.GradientChecks(t => Ops.MaxPool1D(t[0], pool, stride, padding), x);
        OpAssert.GradientChecks(t => Ops.AveragePool1D(t[0], pool, stride, padding), x);
        var e = Assert.Throws<ArgumentException>(() => Ops.MaxPool1D(Tensor.Ones(1, 2, 3), 3));
        Assert.Contains("(1, 2, 3)", e.Message);
    }

    [Theory]
    [InlineData(2, 2, "valid")]
    [InlineData(3, 1, "valid")]
    [InlineData(3, 2, "same")]
    public void Gradient_checks(int pool, int stride, string padding)
    {
        // Distinct values far apart: a nudge of epsilon never changes which element is the maximum.
        var values = Enumerable.Range(0, 2 * 5 * 6 * 3).Select(i => (float)((i * 37) % 97) * 0.1f).ToArray();
        var x = Tensor.FromArray(values, 2, 5, 6, 3).WithRequiresGrad();
        OpAssert.GradientChecks(t => Ops.MaxPool2D(t[0], pool, stride, padding), x);
        OpAssert.GradientChecks(t => Ops.AveragePool2D(t[0], pool, stride, padding), x);
    }

    [Fact]
    public void Ties_send_the_gradient_to_the_first_maximum_in_the_window()
    {
        var x = Tensor.Ones(1, 2, 2, 1).WithRequiresGrad();
        Ops.MaxPool2D(x, 2).Sum().Backward();
        Assert.Equal(new[] { 1f, 0f, 0f, 0f }, x.Grad!.ToArray());
    }

    [Fact]
    public void Max_pooling_without_gradients_records_nothing()
    {
        using (global::DeepSharp.Autograd.NoGrad())
        {
            var y = Ops.MaxPool2D(Tensor.Ones(1, 4, 4, 2).WithRequiresGrad(), 2);
            Assert.Null(y.GradFunction);
        }
    }

    [Fact]
    public void Bad_arguments_name_the_op()
    {
        var e = Assert.Throws<ArgumentException>(() => Ops.MaxPool2D(Tensor.Ones(1, 4, 4), 2));
        Assert.Contains("MaxPool2D", e.Message);
        Assert.Contains("rank 4", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Ops.AveragePool2D(Tensor.Ones(1, 2, 2, 1), 3));
        Assert.Contains("(3, 3)", e2.Message);
        var e3 = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.MaxPool2D(Tensor.Ones(1, 4, 4, 1), 0));
        Assert.Contains("poolSize", e3.Message);
    }
}
