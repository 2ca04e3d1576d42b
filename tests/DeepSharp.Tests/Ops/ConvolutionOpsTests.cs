using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

using Ops = global::DeepSharp.Ops;

/// <summary>Conv2D and Conv2DTranspose against PyTorch (NHWC/HWIO converted by the fixture script) and finite differences.</summary>
public class ConvolutionOpsTests
{
    public static TheoryData<string, string> Conv2DCases => PyTorchFixture.Cases("conv/conv2d.json");

    public static TheoryData<string, string> TransposeCases => PyTorchFixture.Cases("conv/conv2d_transpose.json");

    [Theory]
    [MemberData(nameof(Conv2DCases))]
    public void Conv2D_matches_pytorch(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var (x, w, b) = (f.Input(0), f.Input(1), f.Input(2));
        var y = Ops.Conv2D(x, w, b, f.Size("strides"), f.String("padding"), f.Size("dilation"));
        Assert.Equal(f.Output.Shape, y.Shape.ToArray());
        OpAssert.Close(f.Output.Values, y.ToArray(), 1e-4, 1e-4);
        y.Backward(f.Upstream());
        OpAssert.Close(f.Gradients[0].Values, x.Grad!.ToArray(), 1e-4, 1e-4);
        OpAssert.Close(f.Gradients[1].Values, w.Grad!.ToArray(), 1e-4, 1e-4);
        OpAssert.Close(f.Gradients[2].Values, b.Grad!.ToArray(), 1e-4, 1e-4);

        // A first layer: no input gradient (single-channel images then take the direct kernel).
        var x2 = f.Input(0, requiresGrad: false);
        var (w2, b2) = (f.Input(1), f.Input(2));
        Ops.Conv2D(x2, w2, b2, f.Size("strides"), f.String("padding"), f.Size("dilation")).Backward(f.Upstream());
        OpAssert.Close(f.Gradients[1].Values, w2.Grad!.ToArray(), 1e-4, 1e-4);
        OpAssert.Close(f.Gradients[2].Values, b2.Grad!.ToArray(), 1e-4, 1e-4);
    }

    [Theory]
    [MemberData(nameof(TransposeCases))]
    public void Conv2DTranspose_matches_pytorch(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var (x, w, b) = (f.Input(0), f.Input(1), f.Input(2));
        Size2D? outputPadding = f.Has("output_padding") ? f.Size("output_padding") : null;
        var y = Ops.Conv2DTranspose(x, w, b, f.Size("strides"), f.String("padding"), f.Size("dilation"), outputPadding);
        Assert.Equal(f.Output.Shape, y.Shape.ToArray());
        OpAssert.Close(f.Output.Values, y.ToArray(), 1e-4, 1e-4);
        y.Backward(f.Upstream());
        OpAssert.Close(f.Gradients[0].Values, x.Grad!.ToArray(), 1e-4, 1e-4);
        OpAssert.Close(f.Gradients[1].Values, w.Grad!.ToArray(), 1e-4, 1e-4);
        OpAssert.Close(f.Gradients[2].Values, b.Grad!.ToArray(), 1e-4, 1e-4);
    }

    [Theory]
    [InlineData(1, 1, "valid", 1)]
    [InlineData(2, 1, "same", 1)]
    [InlineData(1, 2, "same", 1)]
    [InlineData(2, 2, "valid", 1)]
    [InlineData(1, 1, "same", 2)]
    public void Conv2D_gradient_checks(int channels, int stride, string padding, int dilation)
    {
        var x = OpAssert.Random(1, -1f, 1f, 2, 6, 5, channels);
        var w = OpAssert.Random(2, -1f, 1f, 3, 2, channels, 3);
        var b = OpAssert.Random(3, -1f, 1f, 3);
        OpAssert.GradientChecks(t => Ops.Conv2D(t[0], t[1], t[2], stride, padding, dilation), x, w, b);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public void Conv2D_gradient_checks_with_windows_that_tile_the_image(int channels, bool inputGradient)
    {
        // Stride equal to the kernel (a vision transformer's patches), with the image held constant as a first layer's data
        // (kernel and bias gradients alone: the direct kernel for one channel) or differentiated too.
        var x = OpAssert.Random(11, -1f, 1f, 2, 7, 8, channels).WithRequiresGrad(inputGradient);
        var w = OpAssert.Random(12, -1f, 1f, 3, 2, channels, 5);
        var b = OpAssert.Random(13, -1f, 1f, 5);
        OpAssert.GradientChecks(t => Ops.Conv2D(t[0], t[1], t[2], (3, 2)), x, w, b);
    }

    [Theory]
    [InlineData(1, "valid", null)]
    [InlineData(2, "same", null)]
    [InlineData(2, "valid", 1)]
    public void Conv2DTranspose_gradient_checks(int stride, string padding, int? outputPadding)
    {
        var x = OpAssert.Random(4, -1f, 1f, 2, 3, 4, 2);
        var w = OpAssert.Random(5, -1f, 1f, 3, 3, 3, 2);
        var b = OpAssert.Random(6, -1f, 1f, 3);
        Size2D? op = outputPadding is { } o ? o : null;
        OpAssert.GradientChecks(t => Ops.Conv2DTranspose(t[0], t[1], t[2], stride, padding, null, op), x, w, b);
    }

    [Fact]
    public void Fused_relu_gives_the_gradients_of_relu_after_the_convolution()
    {
        var x = OpAssert.Random(7, -1f, 1f, 2, 9, 8, 3);
        var w = OpAssert.Random(8, -1f, 1f, 3, 3, 3, 40);
        var b = OpAssert.Random(9, -0.5f, 0.5f, 40);
        var upstream = Tensor.RandomNormal([2, 7, 6, 40], generator: new RandomGenerator(10));
        var fused = Ops.Conv2D(x, w, b, 1, samePadding: false, 1, relu: true, "test");
        fused.Backward(upstream);
        var (gx, gw, gb) = (x.Grad!.ToArray(), w.Grad!.ToArray(), b.Grad!.ToArray());
        x.ZeroGrad();
        w.ZeroGrad();
        b.ZeroGrad();
        var separate = Ops.Conv2D(x, w, b).Relu();
        separate.Backward(upstream);
        OpAssert.Close(separate.ToArray(), fused.ToArray(), 1e-6, 1e-6);
        OpAssert.Close(x.Grad!.ToArray(), gx, 1e-5, 1e-5);
        OpAssert.Close(w.Grad!.ToArray(), gw, 1e-5, 1e-5);
        OpAssert.Close(b.Grad!.ToArray(), gb, 1e-5, 1e-5);
    }

    [Fact]
    public void Non_contiguous_inputs_are_convolved_as_their_values()
    {
        var nchw = Tensor.RandomNormal([2, 3, 6, 5], generator: new RandomGenerator(11));
        var view = nchw.Permute(0, 2, 3, 1); // NHWC view of NCHW storage
        var w = Tensor.RandomNormal([3, 3, 3, 4], generator: new RandomGenerator(12));
        var expected = Ops.Conv2D(view.Contiguous(), w).ToArray();
        OpAssert.Close(expected, Ops.Conv2D(view, w).ToArray(), 1e-6, 1e-6);
    }

    [Fact]
    public void Bad_shapes_are_refused_naming_the_op_and_the_shapes()
    {
        var e1 = Assert.Throws<ArgumentException>(() => Ops.Conv2D(Tensor.Ones(2, 28, 28), Tensor.Ones(3, 3, 1, 4)));
        Assert.Contains("rank 4", e1.Message);
        Assert.Contains("(2, 28, 28)", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Ops.Conv2D(Tensor.Ones(1, 5, 5, 2), Tensor.Ones(3, 3, 3, 4)));
        Assert.Contains("2 channels", e2.Message);
        Assert.Contains("(3, 3, 3, 4)", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => Ops.Conv2D(Tensor.Ones(1, 2, 2, 1), Tensor.Ones(3, 3, 1, 1)));
        Assert.Contains("(1, 2, 2, 1)", e3.Message);
        Assert.Contains("valid", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => Ops.Conv2D(Tensor.Ones(1, 5, 5, 1), Tensor.Ones(3, 3, 1, 4), Tensor.Ones(3)));
        Assert.Contains("bias", e4.Message);
        Assert.Contains("(4)", e4.Message);
        var e5 = Assert.Throws<ArgumentException>(() => Ops.Conv2D(Tensor.Ones(1, 5, 5, 1), Tensor.Ones(3, 3, 1, 4), padding: "full"));
        Assert.Contains("\"full\"", e5.Message);
        var e6 = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Conv2D(Tensor.Ones(1, 5, 5, 1), Tensor.Ones(3, 3, 1, 4), strides: (1, 0)));
        Assert.Contains("strides", e6.Message);
        var e7 = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Ops.Conv2DTranspose(Tensor.Ones(1, 3, 3, 1), Tensor.Ones(3, 3, 2, 1), strides: 2, outputPadding: 2));
        Assert.Contains("outputPadding", e7.Message);
    }

    [Fact]
    public void Same_padding_with_stride_two_pads_the_bottom_right_first_as_keras()
    {
        // A 4×4 image, 3×3 kernel of ones, stride 2, "same": 2×2 outputs, padding 1 in total per axis, all of it
        // after (TensorFlow). The first output sums rows 0-2 and columns 0-2 of the image (no padding above).
        var x = Tensor.Arange(16).Reshape(1, 4, 4, 1);
        var y = Ops.Conv2D(x, Tensor.Ones(3, 3, 1, 1), strides: 2, padding: "same").ToArray();
        Assert.Equal(new[] { 0f + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10, 2f + 3 + 6 + 7 + 10 + 11, 8f + 9 + 10 + 12 + 13 + 14, 10f + 11 + 14 + 15 }, y);
    }
}
