using System.Runtime.Intrinsics.X86;
using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// The permute path of the gray bilinear resampling against the AVX2 gather path and the scalar path: the same floats for
/// images narrower than a vector, of exactly one and two vectors' width and in between, one row high and many, random
/// maps of wide ranges (rotations past 45°, so that a group reads many rows), right angles, flips, and maps that throw
/// every point far outside. Whole batches (one image and many) through <see cref="ImageDataGenerator.Augment"/> with the
/// path switched off and on. On a machine without AVX-512 every run takes the older paths.
/// </summary>
public class AffineRows512Tests
{
    private static readonly bool Avx512 = Avx512F.IsSupported && Simd.Detected == SimdLevel.Vector512;

    private static unsafe float[] Resample(Tensor image, int height, int width, in AffineMap map, FillMode mode, bool allowVector)
    {
        var output = new float[height * width];
        fixed (float* o = output)
            AffineResampler.Resample(image.Pointer, o, height, width, 1, map, mode, fillValue: 0.25f, bilinear: true, scale: 0.5f, allowVector);
        return output;
    }

    private static void AssertAllPathsAgree(Tensor image, int height, int width, in AffineMap map, FillMode mode)
    {
        var permute = Resample(image, height, width, map, mode, allowVector: true);
        float[] gather;
        using (Simd.Force(SimdLevel.Vector256)) gather = Resample(image, height, width, map, mode, allowVector: true);
        var scalar = Resample(image, height, width, map, mode, allowVector: false);
        Assert.Equal(scalar, gather);
        Assert.Equal(scalar, permute);
    }

    [Theory]
    [InlineData("nearest")]
    [InlineData("constant")]
    [InlineData("reflect")] // not this path's: it must leave them to the others
    [InlineData("wrap")]
    public void Random_maps_give_the_floats_of_the_gather_and_scalar_paths(string mode)
    {
        var generator = new ImageDataGenerator(rotationRange: 60, widthShiftRange: 0.3, heightShiftRange: 0.3, shearRange: 20,
            zoomRange: (0.6, 1.5), horizontalFlip: true, verticalFlip: true, fillMode: mode, cval: 0.25);
        var random = new RandomGenerator(17);
        foreach (int height in new[] { 1, 5, 28, 37 })
            foreach (int width in new[] { 1, 3, 8, 15, 16, 17, 27, 28, 31, 32 })
            {
                var image = Tensor.RandomUniform([height, width], generator: random);
                for (int trial = 0; trial < 12; trial++)
                {
                    var map = generator.GetRandomTransform(height, width, random).ToAffineMap(height, width);
                    if (Avx512 && mode is "nearest" or "constant")
                        Assert.True(AffineRows512.Applies(height, width, generator.FillMode, map), $"{height}×{width}, {map}");
                    AssertAllPathsAgree(image, height, width, map, generator.FillMode);
                }
            }
    }

    [Theory]
    [InlineData(90, false, false)]
    [InlineData(-90, false, false)]
    [InlineData(180, true, false)]
    [InlineData(0, true, true)]
    [InlineData(45, false, true)]
    public void Right_angles_flips_and_steep_maps_agree(double rotation, bool flipHorizontal, bool flipVertical)
    {
        var random = new RandomGenerator(3);
        foreach (var (height, width) in new[] { (28, 28), (32, 32), (9, 20), (40, 7) })
        {
            var image = Tensor.RandomUniform([height, width], generator: random);
            var map = new ImageTransform(Rotation: rotation, HeightShift: 0.5, FlipHorizontal: flipHorizontal, FlipVertical: flipVertical)
                .ToAffineMap(height, width);
            AssertAllPathsAgree(image, height, width, map, FillMode.Nearest);
            AssertAllPathsAgree(image, height, width, map, FillMode.Constant);
        }
    }

    [Fact]
    public void Points_far_outside_go_to_the_gather_path_and_agree()
    {
        var image = Tensor.RandomUniform([28, 28], generator: new RandomGenerator(5));
        var far = new AffineMap(1, 0.1f, 3e7f, 0, 1, -5);
        Assert.False(AffineRows512.Applies(28, 28, FillMode.Nearest, far));
        Assert.False(AffineRows512.Applies(28, 28, FillMode.Nearest, new AffineMap(1, float.NaN, 0, 0, 1, 0)));
        AssertAllPathsAgree(image, 28, 28, far, FillMode.Nearest);
        AssertAllPathsAgree(image, 28, 28, far, FillMode.Constant);
        // Past the reach on one side only: every pixel is the fill (constant) or the nearest border pixel.
        var beyond = new AffineMap(1, 0, 5000, 0, 1, 0);
        if (Avx512) Assert.True(AffineRows512.Applies(28, 28, FillMode.Constant, beyond));
        AssertAllPathsAgree(image, 28, 28, beyond, FillMode.Constant);
        AssertAllPathsAgree(image, 28, 28, beyond, FillMode.Nearest);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    public void A_batch_augments_to_the_same_floats_with_the_path_off(int count)
    {
        var generator = new ImageDataGenerator(rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1, shearRange: 0.1,
            zoomRange: (0.9, 1.2), rescale: 1 / 255.0);
        var images = Tensor.RandomUniform([count, 28, 28, 1], 0, 255, generator: new RandomGenerator(9));
        var on = generator.Augment(images, seed: 4).ToArray();
        bool saved = AffineRows512.Enabled;
        AffineRows512.Enabled = false;
        try
        {
            Assert.Equal(generator.Augment(images, seed: 4).ToArray(), on);
        }
        finally
        {
            AffineRows512.Enabled = saved;
        }
        Assert.NotEqual(images.ToArray().Select(v => v / 255f).ToArray(), on); // the images did move
    }
}
