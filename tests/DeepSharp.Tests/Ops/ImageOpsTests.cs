using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

using Ops = global::DeepSharp.Ops;

/// <summary>Resize and AffineTransform against PyTorch (interpolate, grid_sample on padded copies) and finite differences; Flip and Repeat.</summary>
public class ImageOpsTests
{
    public static TheoryData<string, string> ResizeCases => PyTorchFixture.Cases("conv/resize.json");

    public static TheoryData<string, string> AffineCases => PyTorchFixture.Cases("conv/affine.json");

    [Theory]
    [MemberData(nameof(ResizeCases))]
    public void Resize_matches_pytorch(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var x = f.Input(0);
        var size = f.Size("size");
        var y = Ops.Resize(x, size.Height, size.Width, f.String("interpolation"));
        Assert.Equal(f.Output.Shape, y.Shape.ToArray());
        OpAssert.Close(f.Output.Values, y.ToArray(), 1e-5, 1e-5);
        y.Backward(f.Upstream());
        OpAssert.Close(f.Gradients[0].Values, x.Grad!.ToArray(), 1e-5, 1e-5);
    }

    [Theory]
    [MemberData(nameof(AffineCases))]
    public void AffineTransform_matches_pytorch(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var x = f.Input(0);
        var y = Ops.AffineTransform(x, f.Tensor("transform"), f.String("interpolation"), f.String("fill_mode"), f.Float("fill_value", 0f));
        Assert.Equal(f.Output.Shape, y.Shape.ToArray());
        OpAssert.Close(f.Output.Values, y.ToArray(), 1e-4, 1e-4);
        y.Backward(f.Upstream());
        OpAssert.Close(f.Gradients[0].Values, x.Grad!.ToArray(), 1e-4, 1e-4);
    }

    [Theory]
    [InlineData("bilinear", "reflect")]
    [InlineData("bilinear", "constant")]
    [InlineData("bilinear", "wrap")]
    [InlineData("nearest", "nearest")]
    public void AffineTransform_gradient_checks(string interpolation, string fillMode)
    {
        // Sample points kept away from whole pixels, where the bilinear weights have kinks.
        var x = OpAssert.Random(1, -1f, 1f, 2, 5, 6, 2);
        var transform = Tensor.FromArray([0.93f, -0.31f, 1.13f, 0.29f, 0.95f, -0.87f, 0f, 0f, 1.1f, 0.05f, -0.41f, -0.08f, 0.9f, 0.37f, 0f, 0f], 2, 8);
        OpAssert.GradientChecks(t => Ops.AffineTransform(t[0], transform, interpolation, fillMode, 0.25f), x);
    }

    [Theory]
    [InlineData("bilinear", 7, 9)]
    [InlineData("bilinear", 3, 2)]
    [InlineData("nearest", 8, 3)]
    public void Resize_gradient_checks(string interpolation, int height, int width)
    {
        var x = OpAssert.Random(2, -1f, 1f, 2, 5, 4, 3);
        OpAssert.GradientChecks(t => Ops.Resize(t[0], height, width, interpolation), x);
    }

    [Fact]
    public void Transforms_that_move_whole_pixels_move_the_pixels()
    {
        var x = Tensor.Arange(2 * 4 * 4).Reshape(2, 4, 4, 1);
        // Content one column right and one row down (output (x, y) reads (x − 1, y − 1)); the fill at the top and left.
        var shifted = Ops.AffineTransform(x, Tensor.FromArray([1f, 0f, -1f, 0f, 1f, -1f, 0f, 0f], 8), "bilinear", "constant", -1f).ToArray();
        Assert.Equal(new[] { -1f, -1f, -1f, -1f, -1f, 0f, 1f, 2f, -1f, 4f, 5f, 6f, -1f, 8f, 9f, 10f }, shifted[..16]);
        // A quarter turn counter-clockwise about the centre is NumPy's rot90.
        var rot = new float[8];
        RandomRotation.Rotation(90, 4, 4, rot);
        var turned = Ops.AffineTransform(x, Tensor.FromArray(rot, 8), "bilinear", "constant").ToArray();
        OpAssert.Close(Rot90(x.ToArray()[..16]), turned[..16], 1e-5, 1e-5);
        Assert.Equal(x.ToArray(), Ops.AffineTransform(x, Tensor.FromArray([1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f], 8)).ToArray());
    }

    /// <summary>NumPy's rot90 of a 4×4 image (counter-clockwise): out[r, c] = in[c, 3 − r].</summary>
    private static float[] Rot90(float[] image)
    {
        var result = new float[16];
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++) result[r * 4 + c] = image[c * 4 + 3 - r];
        return result;
    }

    [Fact]
    public void Bad_arguments_are_refused_naming_the_op()
    {
        var images = Tensor.Ones(2, 4, 4, 1);
        Assert.Contains("\"mirror\"", Assert.Throws<ArgumentException>(() => Ops.AffineTransform(images, Tensor.Zeros(8), fillMode: "mirror")).Message);
        Assert.Contains("\"bicubic\"", Assert.Throws<ArgumentException>(() => Ops.AffineTransform(images, Tensor.Zeros(8), "bicubic")).Message);
        Assert.Contains("(2, 8)", Assert.Throws<ArgumentException>(() => Ops.AffineTransform(images, Tensor.Zeros(3, 8))).Message);
        Assert.Contains("projective", Assert.Throws<ArgumentException>(() => Ops.AffineTransform(images, Tensor.Ones(8))).Message);
        Assert.Contains("rank 4", Assert.Throws<ArgumentException>(() => Ops.Resize(Tensor.Ones(4, 4, 1), 2, 2)).Message);
        Assert.Contains("height", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Resize(images, 0, 2)).Message);
    }

    [Fact]
    public void Flip_and_repeat_reorder_and_their_gradients_check()
    {
        var x = Tensor.Arange(6).Reshape(2, 3);
        Assert.Equal(new[] { 2f, 1f, 0f, 5f, 4f, 3f }, Ops.Flip(x, -1).ToArray());
        Assert.Equal(new[] { 3f, 4f, 5f, 0f, 1f, 2f }, Ops.Flip(x, 0).ToArray());
        Assert.Equal(new[] { 0f, 1f, 2f, 0f, 1f, 2f, 3f, 4f, 5f, 3f, 4f, 5f }, Ops.Repeat(x, 2, 0).ToArray());
        Assert.Equal(new[] { 0f, 0f, 1f, 1f, 2f, 2f, 3f, 3f, 4f, 4f, 5f, 5f }, Ops.Repeat(x, 2, 1).ToArray());
        var y = OpAssert.Random(3, -1f, 1f, 2, 3, 4);
        OpAssert.GradientChecks(t => Ops.Flip(t[0], 1), y);
        OpAssert.GradientChecks(t => Ops.Repeat(t[0], 3, 1), y);
        Assert.Contains("repeats", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Repeat(x, 0, 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Flip(x, 2));
    }
}
