using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

using Ops = global::DeepSharp.Ops;

/// <summary>Upsampling, padding and dropout with a noise shape: the image ops around the convolutions.</summary>
public class ResamplingTests
{
    public static TheoryData<string, string> Cases => PyTorchFixture.Cases("conv/upsampling.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void UpSampling2D_matches_pytorch(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var x = f.Input(0);
        var y = Ops.UpSampling2D(x, f.Size("size"), f.String("interpolation"));
        Assert.Equal(f.Output.Shape, y.Shape.ToArray());
        OpAssert.Close(f.Output.Values, y.ToArray(), 1e-5, 1e-6);
        y.Backward(f.Upstream());
        OpAssert.Close(f.Gradients[0].Values, x.Grad!.ToArray(), 1e-5, 1e-5);
    }

    [Theory]
    [InlineData("nearest")]
    [InlineData("bilinear")]
    public void UpSampling2D_gradient_checks(string interpolation) =>
        OpAssert.GradientChecks(t => Ops.UpSampling2D(t[0], (2, 3), interpolation), OpAssert.Random(1, -1f, 1f, 2, 3, 2, 2));

    [Fact]
    public void Pad_surrounds_with_the_value_and_sends_back_the_interior_gradient()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2).WithRequiresGrad();
        var y = Ops.Pad(x, [(1, 0), (0, 2)], value: -1f);
        Assert.Equal(new TensorShape(3, 4), y.Shape);
        Assert.Equal(new[] { -1f, -1f, -1f, -1f, 1f, 2f, -1f, -1f, 3f, 4f, -1f, -1f }, y.ToArray());
        OpAssert.GradientChecks(t => Ops.Pad(t[0], [(0, 1), (2, 1), (1, 1), (0, 0)]), OpAssert.Random(2, -1f, 1f, 2, 3, 2, 2));
        var e = Assert.Throws<ArgumentException>(() => Ops.Pad(x, [(1, 1)]));
        Assert.Contains("(2, 2)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Pad(x, [(1, 1), (-1, 0)]));
    }

    [Fact]
    public void Dropout_with_a_noise_shape_drops_whole_channels()
    {
        var x = Tensor.Ones(4, 5, 5, 64).WithRequiresGrad();
        var y = Ops.Dropout(x, 0.5f, new TensorShape(4, 1, 1, 64), new RandomGenerator(3));
        var values = y.ToArray();
        int dropped = 0;
        for (int n = 0; n < 4; n++)
            for (int c = 0; c < 64; c++)
            {
                float first = values[(n * 25) * 64 + c];
                Assert.True(first == 0f || first == 2f);
                for (int p = 1; p < 25; p++) Assert.Equal(first, values[(n * 25 + p) * 64 + c]);
                if (first == 0f) dropped++;
            }
        Assert.InRange(dropped, 80, 176);
        y.Sum().Backward();
        Assert.Equal(values, x.Grad!.ToArray());
        Assert.Throws<ArgumentException>(() => Ops.Dropout(x, 0.5f, new TensorShape(3, 1, 1, 64)));
    }
}
