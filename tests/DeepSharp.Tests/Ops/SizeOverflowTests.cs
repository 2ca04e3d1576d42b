namespace DeepSharp.Tests.Ops;

/// <summary>
/// Size arguments whose 32-bit arithmetic would wrap around (a dilated kernel's span, a padded or enlarged image)
/// are refused with an ArgumentException naming the op: before, the kernels got a wrapped, small geometry and
/// read or wrote outside their buffers (issue 14's probe: an access violation that ended the process).
/// </summary>
public class SizeOverflowTests
{
    private static readonly Tensor Image = Tensor.Ones(1, 6, 6, 1);

    [Theory]
    [InlineData("valid")]
    [InlineData("same")]
    public void A_dilation_whose_span_overflows_is_refused(string padding)
    {
        var kernel = Tensor.Ones(3, 3, 1, 2);
        var e = Assert.ThrowsAny<ArgumentException>(() => DeepSharp.Ops.Conv2D(Image, kernel, padding: padding, dilationRate: int.MaxValue));
        Assert.Contains("Conv2D", e.Message);
        Assert.Contains("spans", e.Message);
        e = Assert.ThrowsAny<ArgumentException>(() => DeepSharp.Ops.Conv2D(Image, kernel, padding: padding, dilationRate: new Size2D(1, 1 << 30)));
        Assert.Contains("spans", e.Message);
    }

    [Fact]
    public void A_transposed_convolution_whose_output_overflows_is_refused()
    {
        var kernel = Tensor.Ones(3, 3, 2, 1);
        var e = Assert.ThrowsAny<ArgumentException>(() => DeepSharp.Ops.Conv2DTranspose(Image, kernel, dilationRate: int.MaxValue));
        Assert.Contains("Conv2DTranspose", e.Message);
        e = Assert.ThrowsAny<ArgumentException>(() => DeepSharp.Ops.Conv2DTranspose(Image, kernel, strides: int.MaxValue));
        Assert.Contains("Conv2DTranspose", e.Message);
    }

    [Fact]
    public void Padding_that_makes_an_axis_overflow_is_refused()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => DeepSharp.Ops.Pad(Image, [(0, 0), (int.MaxValue, int.MaxValue), (0, 0), (0, 0)]));
        Assert.Contains("Pad: padding (2147483647, 2147483647) of axis 1", e.Message);
    }

    [Theory]
    [InlineData("nearest")]
    [InlineData("bilinear")]
    public void Upsampling_that_makes_an_axis_overflow_is_refused(string interpolation)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => DeepSharp.Ops.UpSampling2D(Image, new Size2D(1 << 30, 1), interpolation));
        Assert.Contains("UpSampling2D", e.Message);
    }
}
