using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

using Ops = global::DeepSharp.Ops;

/// <summary>DepthwiseConv2D, SeparableConv2D and grouped Conv2D against PyTorch (grouped convolutions there) and finite differences.</summary>
public class DepthwiseConvolutionOpsTests
{
    public static TheoryData<string, string> Cases => PyTorchFixture.Cases("conv/depthwise.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Depthwise_separable_and_grouped_convolutions_match_pytorch(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var inputs = Enumerable.Range(0, f.Inputs.Length).Select(i => f.Input(i)).ToArray();
        var y = f.Op switch
        {
            "depthwise_conv2d" => Ops.DepthwiseConv2D(inputs[0], inputs[1], inputs[2], f.Size("strides"), f.String("padding"), f.Size("dilation")),
            "separable_conv2d" => Ops.SeparableConv2D(inputs[0], inputs[1], inputs[2], inputs[3], f.Size("strides"), f.String("padding")),
            _ => Ops.Conv2D(inputs[0], inputs[1], inputs[2], padding: f.String("padding"), groups: f.Args.GetProperty("groups").GetInt32()),
        };
        Assert.Equal(f.Output.Shape, y.Shape.ToArray());
        OpAssert.Close(f.Output.Values, y.ToArray(), 1e-4, 1e-4);
        y.Backward(f.Upstream());
        for (int i = 0; i < inputs.Length; i++) OpAssert.Close(f.Gradients[i].Values, inputs[i].Grad!.ToArray(), 1e-4, 1e-4);
    }

    [Theory]
    [InlineData(1, 1, "valid", 1)]
    [InlineData(2, 1, "same", 1)]
    [InlineData(1, 2, "same", 2)]
    [InlineData(3, 2, "valid", 1)]
    public void Depthwise_gradient_checks(int multiplier, int stride, string padding, int dilation)
    {
        var x = OpAssert.Random(1, -1f, 1f, 2, 6, 5, 3);
        var w = OpAssert.Random(2, -1f, 1f, 3, 2, 3, multiplier);
        var b = OpAssert.Random(3, -1f, 1f, 3 * multiplier);
        OpAssert.GradientChecks(t => Ops.DepthwiseConv2D(t[0], t[1], t[2], stride, padding, dilation), x, w, b);
    }

    [Fact]
    public void Separable_and_grouped_gradient_checks()
    {
        var x = OpAssert.Random(4, -1f, 1f, 1, 5, 5, 4);
        var depthwise = OpAssert.Random(5, -1f, 1f, 3, 3, 4, 2);
        var pointwise = OpAssert.Random(6, -1f, 1f, 1, 1, 8, 3);
        var b = OpAssert.Random(7, -1f, 1f, 3);
        OpAssert.GradientChecks(t => Ops.SeparableConv2D(t[0], t[1], t[2], t[3], 2, "same"), x, depthwise, pointwise, b);
        var grouped = OpAssert.Random(8, -1f, 1f, 2, 2, 2, 6);
        var gb = OpAssert.Random(9, -1f, 1f, 6);
        OpAssert.GradientChecks(t => Ops.Conv2D(t[0], t[1], t[2], padding: "same", groups: 2), x, grouped, gb);
    }

    [Fact]
    public void Groups_of_one_channel_are_the_depthwise_convolution()
    {
        var x = Tensor.RandomNormal([2, 6, 6, 3], generator: new RandomGenerator(10));
        var w = Tensor.RandomNormal([3, 3, 3, 2], generator: new RandomGenerator(11)); // (kh, kw, C, M)
        var depthwise = Ops.DepthwiseConv2D(x, w, padding: "same").ToArray();
        var grouped = Ops.Conv2D(x, w.Reshape(3, 3, 1, 6), padding: "same", groups: 3).ToArray();
        Assert.Equal(depthwise, grouped);
    }

    [Fact]
    public void Bad_shapes_are_refused_naming_the_op_and_the_shapes()
    {
        var e1 = Assert.Throws<ArgumentException>(() => Ops.DepthwiseConv2D(Tensor.Ones(1, 5, 5, 2), Tensor.Ones(3, 3, 3, 1)));
        Assert.Contains("2 channels", e1.Message);
        Assert.Contains("(3, 3, 3, 1)", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Ops.DepthwiseConv2D(Tensor.Ones(1, 5, 5, 2), Tensor.Ones(3, 3, 2)));
        Assert.Contains("rank 4", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => Ops.DepthwiseConv2D(Tensor.Ones(1, 5, 5, 2), Tensor.Ones(3, 3, 2, 2), Tensor.Ones(2)));
        Assert.Contains("bias", e3.Message);
        Assert.Contains("(4)", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() =>
            Ops.SeparableConv2D(Tensor.Ones(1, 5, 5, 2), Tensor.Ones(3, 3, 2, 1), Tensor.Ones(3, 3, 2, 4)));
        Assert.Contains("pointwise", e4.Message);
        Assert.Contains("(3, 3, 2, 4)", e4.Message);
        var e5 = Assert.Throws<ArgumentException>(() => Ops.Conv2D(Tensor.Ones(1, 5, 5, 4), Tensor.Ones(3, 3, 2, 6), groups: 3));
        Assert.Contains("3 groups", e5.Message);
        Assert.Contains("(1, 5, 5, 4)", e5.Message);
    }
}
