using DeepSharp.Kernels;

namespace DeepSharp.Tests.Data;

public class ImageDataGeneratorTests
{
    private static readonly ImageDataGenerator Plain = new();

    /// <summary>An h × w image whose pixel (r, c) is f(r, c).</summary>
    private static Tensor Image(int height, int width, Func<int, int, float> f)
    {
        var values = new float[height * width];
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++) values[r * width + c] = f(r, c);
        return Tensor.FromArray(values, height, width);
    }

    private static float[,] Pixels(Tensor image)
    {
        int height = image.Shape[0], width = image.Shape[1];
        var values = image.ToArray();
        var pixels = new float[height, width];
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++) pixels[r, c] = values[r * width + c];
        return pixels;
    }

    private static float[] Row(Tensor image, int row)
    {
        int width = image.Shape[1];
        return image.ToArray().AsSpan(row * width, width).ToArray();
    }

    // ---- each transform alone -------------------------------------------------------------------------

    [Theory]
    [InlineData(2, 0)]
    [InlineData(0, 3)]
    [InlineData(-1, -2)]
    public void A_shift_by_whole_pixels_moves_every_pixel_by_that_many(int rows, int columns)
    {
        // Keras' convention: output (r, c) reads input (r + shift, c + shift), so the content moves by −shift.
        var image = Image(8, 8, (r, c) => r == 4 && c == 4 ? 1f : 0f);
        var generator = new ImageDataGenerator(fillMode: "constant");

        var shifted = Pixels(generator.ApplyTransform(image, new ImageTransform(HeightShift: rows, WidthShift: columns)));

        for (int r = 0; r < 8; r++)
            for (int c = 0; c < 8; c++)
                Assert.Equal(r == 4 - rows && c == 4 - columns ? 1f : 0f, shifted[r, c]);
    }

    [Fact]
    public void A_half_pixel_shift_interpolates_between_neighbours()
    {
        var image = Image(4, 4, (r, c) => c + 1);  // every row is 1 2 3 4

        var shifted = Plain.ApplyTransform(image, new ImageTransform(WidthShift: -0.5));

        // Reads columns −0.5, 0.5, 1.5, 2.5; nearest fill repeats column 0 to the left.
        Assert.Equal([1f, 1.5f, 2.5f, 3.5f], Row(shifted, 2));
    }

    [Fact]
    public void A_right_angle_rotation_of_a_square_image_permutes_its_pixels()
    {
        var image = Image(5, 5, (r, c) => 10 * r + c);

        var rotated = Pixels(Plain.ApplyTransform(image, new ImageTransform(Rotation: 90)));

        // Keras' rotation matrix in (row, column) coordinates: output (r, c) reads input (4 − c, r).
        for (int r = 0; r < 5; r++)
            for (int c = 0; c < 5; c++)
                Assert.Equal(10 * (4 - c) + r, rotated[r, c]);
    }

    [Fact]
    public void Four_quarter_turns_and_two_half_turns_give_the_image_back()
    {
        var image = Image(6, 6, (r, c) => r * 7 + c * c);
        var turned = image;
        for (int i = 0; i < 4; i++) turned = Plain.ApplyTransform(turned, new ImageTransform(Rotation: 90));
        Assert.Equal(image.ToArray(), turned.ToArray());

        var half = Plain.ApplyTransform(image, new ImageTransform(Rotation: 180));
        var flipped = Plain.ApplyTransform(image, new ImageTransform(FlipHorizontal: true, FlipVertical: true));
        Assert.Equal(flipped.ToArray(), half.ToArray());
    }

    [Fact]
    public void Flips_mirror_the_columns_or_the_rows()
    {
        var image = Image(3, 4, (r, c) => 10 * r + c);

        var horizontal = Pixels(Plain.ApplyTransform(image, new ImageTransform(FlipHorizontal: true)));
        var vertical = Pixels(Plain.ApplyTransform(image, new ImageTransform(FlipVertical: true)));

        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 4; c++)
            {
                Assert.Equal(10 * r + (3 - c), horizontal[r, c]);
                Assert.Equal(10 * (2 - r) + c, vertical[r, c]);
            }
    }

    [Theory]
    [InlineData(2.0, 2.0)]
    [InlineData(0.5, 0.5)]
    [InlineData(0.8, 1.25)]
    public void Zoom_keeps_the_centre_fixed_and_scales_distances_from_it(double rowZoom, double columnZoom)
    {
        // Bilinear interpolation reproduces a linear ramp exactly, so every pixel whose sample point lies
        // inside the image can be predicted: output (r, c) = ramp(4 + zx (r − 4), 4 + zy (c − 4)).
        static float Ramp(double r, double c) => (float)(3 * r + 0.5 * c + 1);
        var image = Image(9, 9, (r, c) => Ramp(r, c));

        var zoomed = Pixels(Plain.ApplyTransform(image, new ImageTransform(HeightZoom: rowZoom, WidthZoom: columnZoom)));

        Assert.Equal(Ramp(4, 4), zoomed[4, 4], 4);
        for (int r = 0; r < 9; r++)
            for (int c = 0; c < 9; c++)
            {
                double y = 4 + rowZoom * (r - 4), x = 4 + columnZoom * (c - 4);
                if (y >= 0 && y <= 8 && x >= 0 && x <= 8) Assert.Equal(Ramp(y, x), zoomed[r, c], 4);
            }
    }

    [Fact]
    public void Shear_slides_rows_by_the_sine_of_the_angle_and_compresses_columns_by_its_cosine()
    {
        static float Ramp(double r, double c) => (float)(2 * r - c + 40);
        var image = Image(9, 9, (r, c) => Ramp(r, c));
        double angle = 20 * Math.PI / 180;

        var sheared = Pixels(Plain.ApplyTransform(image, new ImageTransform(Shear: 20)));

        // Keras' shear matrix [[1, −sin s], [0, cos s]] about the centre (4, 4).
        for (int r = 0; r < 9; r++)
            for (int c = 0; c < 9; c++)
            {
                double y = 4 + (r - 4) - Math.Sin(angle) * (c - 4), x = 4 + Math.Cos(angle) * (c - 4);
                if (y >= 0 && y <= 8 && x >= 0 && x <= 8) Assert.Equal(Ramp(y, x), sheared[r, c], 4);
            }
    }

    [Fact]
    public void All_transforms_compose_into_one_affine_map_in_Keras_order()
    {
        // The expected map is built here the way Keras writes it: centre · rotation · shift · shear · zoom · uncentre,
        // then the horizontal flip. One resampling of a ramp must land on it exactly.
        static float Ramp(double r, double c) => (float)(1.5 * r + 2.25 * c - 3);
        var image = Image(12, 10, (r, c) => Ramp(r, c));
        var t = new ImageTransform(Rotation: 17, HeightShift: 1.25, WidthShift: -0.75, Shear: 8, HeightZoom: 0.9, WidthZoom: 1.1, FlipHorizontal: true);

        double theta = 17 * Math.PI / 180, shear = 8 * Math.PI / 180;
        double[,] rotation = { { Math.Cos(theta), -Math.Sin(theta), 0 }, { Math.Sin(theta), Math.Cos(theta), 0 }, { 0, 0, 1 } };
        double[,] shift = { { 1, 0, 1.25 }, { 0, 1, -0.75 }, { 0, 0, 1 } };
        double[,] shearing = { { 1, -Math.Sin(shear), 0 }, { 0, Math.Cos(shear), 0 }, { 0, 0, 1 } };
        double[,] zoom = { { 0.9, 0, 0 }, { 0, 1.1, 0 }, { 0, 0, 1 } };
        double[,] centre = { { 1, 0, 5.5 }, { 0, 1, 4.5 }, { 0, 0, 1 } };
        double[,] uncentre = { { 1, 0, -5.5 }, { 0, 1, -4.5 }, { 0, 0, 1 } };
        double[,] flip = { { 1, 0, 0 }, { 0, -1, 9 }, { 0, 0, 1 } };
        var m = Multiply(centre, Multiply(rotation, Multiply(shift, Multiply(shearing, Multiply(zoom, Multiply(uncentre, flip))))));

        var output = Pixels(Plain.ApplyTransform(image, t));

        int checkedPixels = 0;
        for (int r = 0; r < 12; r++)
            for (int c = 0; c < 10; c++)
            {
                double y = m[0, 0] * r + m[0, 1] * c + m[0, 2], x = m[1, 0] * r + m[1, 1] * c + m[1, 2];
                if (y < 0 || y > 11 || x < 0 || x > 9) continue;
                Assert.Equal(Ramp(y, x), output[r, c], 3);
                checkedPixels++;
            }
        Assert.True(checkedPixels > 60, $"only {checkedPixels} pixels sampled inside the image");
    }

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        var product = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 3; k++) product[i, j] += a[i, k] * b[k, j];
        return product;
    }

    // ---- fill modes at the borders ------------------------------------------------------------------

    [Theory]
    [InlineData("nearest", -2, new float[] { 1, 1, 1, 2 })]
    [InlineData("constant", -2, new float[] { 9, 9, 1, 2 })]
    [InlineData("reflect", -2, new float[] { 2, 1, 1, 2 })]
    [InlineData("wrap", -2, new float[] { 3, 4, 1, 2 })]
    [InlineData("nearest", 2, new float[] { 3, 4, 4, 4 })]
    [InlineData("constant", 2, new float[] { 3, 4, 9, 9 })]
    [InlineData("reflect", 2, new float[] { 3, 4, 4, 3 })]
    [InlineData("wrap", 2, new float[] { 3, 4, 1, 2 })]
    public void Fill_modes_extend_the_image_past_its_border(string mode, int shift, float[] expected)
    {
        // Every row is a b c d = 1 2 3 4; a shift of −2 reads columns −2 and −1, one of +2 reads 4 and 5.
        var image = Image(4, 4, (r, c) => c + 1);
        var generator = new ImageDataGenerator(fillMode: mode, cval: 9);

        var shifted = generator.ApplyTransform(image, new ImageTransform(WidthShift: shift));

        for (int r = 0; r < 4; r++) Assert.Equal(expected, Row(shifted, r));
    }

    [Fact]
    public void Constant_fill_takes_no_interpolation_past_the_edge()
    {
        var image = Image(4, 4, (r, c) => c + 1);
        var generator = new ImageDataGenerator(fillMode: "constant", cval: -1);

        var shifted = generator.ApplyTransform(image, new ImageTransform(WidthShift: -0.5));

        Assert.Equal([-1f, 1.5f, 2.5f, 3.5f], Row(shifted, 1));
    }

    [Theory]
    [InlineData(-1, 5, "reflect", 0)]
    [InlineData(-6, 5, "reflect", 4)]
    [InlineData(7, 5, "reflect", 2)]
    [InlineData(10, 5, "reflect", 0)]
    [InlineData(-1, 5, "wrap", 4)]
    [InlineData(-11, 5, "wrap", 4)]
    [InlineData(12, 5, "wrap", 2)]
    [InlineData(-3, 5, "nearest", 0)]
    [InlineData(8, 5, "nearest", 4)]
    [InlineData(int.MinValue, 5, "reflect", 2)]
    public void Indices_past_the_border_map_as_the_fill_mode_says(int index, int size, string mode, int expected)
    {
        var fill = new ImageDataGenerator(fillMode: mode).FillMode;
        Assert.Equal(expected, AffineResampler.MapIndex(index, size, fill));
    }

    [Fact]
    public void Nearest_interpolation_rounds_to_the_closest_pixel()
    {
        var image = Image(4, 4, (r, c) => c + 1);
        var generator = new ImageDataGenerator(interpolationOrder: 0, fillMode: "constant", cval: 0);

        Assert.Equal([1f, 2f, 3f, 4f], Row(generator.ApplyTransform(image, new ImageTransform(WidthShift: 0.4)), 0));
        Assert.Equal([2f, 3f, 4f, 0f], Row(generator.ApplyTransform(image, new ImageTransform(WidthShift: 0.6)), 0));
    }

    // ---- kernel paths agree ---------------------------------------------------------------------------

    [Theory]
    [InlineData("nearest")]
    [InlineData("constant")]
    [InlineData("reflect")]
    [InlineData("wrap")]
    public unsafe void The_vector_and_scalar_kernels_give_the_same_floats(string mode)
    {
        var generator = new ImageDataGenerator(rotationRange: 40, widthShiftRange: 0.3, heightShiftRange: 0.3, shearRange: 20,
            zoomRange: (0.6, 1.5), horizontalFlip: true, fillMode: mode, cval: 0.25);
        var random = new RandomGenerator(5);
        // Widths of whole vector groups, one past them, and a last group that overlaps the one before.
        foreach (int width in new[] { 27, 8, 9, 28 })
        {
            var image = Tensor.RandomUniform([19, width], generator: random);
            var vector = new float[19 * width];
            var scalar = new float[19 * width];
            for (int trial = 0; trial < 50; trial++)
            {
                var map = generator.GetRandomTransform(19, width, random).ToAffineMap(19, width);
                fixed (float* v = vector, s = scalar)
                {
                    AffineResampler.Resample(image.Pointer, v, 19, width, 1, map, generator.FillMode, 0.25f, bilinear: true, scale: 0.5f, allowVector: true);
                    AffineResampler.Resample(image.Pointer, s, 19, width, 1, map, generator.FillMode, 0.25f, bilinear: true, scale: 0.5f, allowVector: false);
                }
                Assert.Equal(scalar, vector);
            }
        }
    }

    [Theory]
    [InlineData("nearest", 1)]
    [InlineData("constant", 1)]
    [InlineData("reflect", 1)]
    [InlineData("wrap", 1)]
    [InlineData("reflect", 0)]
    public void Each_channel_of_a_colour_image_is_transformed_as_a_gray_image(string mode, int order)
    {
        var generator = new ImageDataGenerator(rotationRange: 30, widthShiftRange: 0.2, heightShiftRange: 0.2, shearRange: 10,
            zoomRange: 0.3, verticalFlip: true, fillMode: mode, cval: 0.5, rescale: 2, interpolationOrder: order);
        var colour = Tensor.RandomUniform([6, 11, 13, 3], generator: new RandomGenerator(8));

        var together = generator.Augment(colour, seed: 21).ToArray();

        var all = colour.ToArray();
        for (int channel = 0; channel < 3; channel++)
        {
            var gray = new float[6 * 11 * 13];
            for (int i = 0; i < gray.Length; i++) gray[i] = all[i * 3 + channel];
            var alone = generator.Augment(Tensor.FromArray(gray, 6, 11, 13), seed: 21).ToArray();
            for (int i = 0; i < gray.Length; i++) Assert.Equal(alone[i], together[i * 3 + channel]);
        }
    }

    // ---- random draws ---------------------------------------------------------------------------------

    [Fact]
    public void Random_transforms_stay_within_their_ranges_and_use_them()
    {
        var generator = new ImageDataGenerator(rotationRange: 10, widthShiftRange: 0.25, heightShiftRange: 3, shearRange: 5,
            zoomRange: (0.9, 1.2), horizontalFlip: true);
        var random = new RandomGenerator(1);
        var draws = Enumerable.Range(0, 2000).Select(_ => generator.GetRandomTransform(20, 8, random)).ToList();

        static void Spans(IEnumerable<double> values, double low, double high)
        {
            var list = values.ToList();
            Assert.All(list, v => Assert.InRange(v, low, high));
            double margin = (high - low) * 0.05;
            Assert.True(list.Min() < low + margin && list.Max() > high - margin, $"draws span [{list.Min()}, {list.Max()}] of [{low}, {high}]");
        }
        Spans(draws.Select(d => d.Rotation), -10, 10);
        Spans(draws.Select(d => d.WidthShift), -2, 2);      // 0.25 of a width of 8 pixels
        Spans(draws.Select(d => d.HeightShift), -3, 3);     // 3 pixels: 1 or more means pixels
        Spans(draws.Select(d => d.Shear), -5, 5);
        Spans(draws.Select(d => d.HeightZoom), 0.9, 1.2);
        Spans(draws.Select(d => d.WidthZoom), 0.9, 1.2);
        Assert.NotEqual(draws.Select(d => d.HeightZoom), draws.Select(d => d.WidthZoom)); // drawn independently, as Keras
        Assert.InRange(draws.Count(d => d.FlipHorizontal), 900, 1100);
        Assert.DoesNotContain(draws, d => d.FlipVertical);
    }

    [Fact]
    public void A_zoom_number_means_one_plus_or_minus_it()
    {
        var generator = new ImageDataGenerator(zoomRange: 0.2);
        Assert.Equal(0.8, generator.ZoomRange.Low, 12);
        Assert.Equal(1.2, generator.ZoomRange.High, 12);
        Assert.True(new ImageDataGenerator().ZoomRange.IsNone);
        Assert.Equal(ImageTransform.Identity, new ImageDataGenerator().GetRandomTransform(5, 5, new RandomGenerator(3)));
    }

    [Fact]
    public void The_same_seed_gives_the_same_augmented_images()
    {
        var generator = new ImageDataGenerator(rotationRange: 15, widthShiftRange: 0.1, zoomRange: 0.1, horizontalFlip: true);
        var images = Tensor.RandomUniform([4, 10, 10], generator: new RandomGenerator(2));

        Assert.Equal(generator.Augment(images, seed: 3).ToArray(), generator.Augment(images, seed: 3).ToArray());
        Assert.NotEqual(generator.Augment(images, seed: 3).ToArray(), generator.Augment(images, seed: 4).ToArray());
        var one = images.ToArray().AsSpan(0, 100).ToArray();
        Assert.Equal(generator.RandomTransform(Tensor.FromArray(one, 10, 10), seed: 9).ToArray(),
                     generator.RandomTransform(Tensor.FromArray(one, 10, 10), seed: 9).ToArray());
    }

    [Fact]
    public void Rescale_multiplies_after_the_transform_fill_included()
    {
        var image = Tensor.FromArray([10f, 20f, 30f, 40f, 50f, 60f], 1, 2, 3, 1);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], new ImageDataGenerator(rescale: 0.1).Augment(image, seed: 1).ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal(image.ToArray(), new ImageDataGenerator(rescale: 0).Augment(image, seed: 1).ToArray()); // 0 is none, as Keras

        var shifted = new ImageDataGenerator(widthShiftRange: 5, fillMode: "constant", cval: 100, rescale: 0.5)
            .Augment(Tensor.Ones(1, 3, 40), seed: 2).ToArray();
        Assert.Contains(50f, shifted);  // filled pixels are rescaled too
        Assert.Contains(0.5f, shifted);
    }

    [Fact]
    public void Augmenting_a_view_reads_it_as_laid_out()
    {
        var images = Tensor.RandomUniform([3, 6, 6], generator: new RandomGenerator(4));
        var generator = new ImageDataGenerator(rotationRange: 20);
        var transposed = images.Transpose(1, 2);
        var copy = Tensor.FromArray(transposed.ToArray(), 3, 6, 6);

        Assert.Equal(generator.Augment(copy, seed: 5).ToArray(), generator.Augment(transposed, seed: 5).ToArray());
    }

    // ---- validation -----------------------------------------------------------------------------------

    [Fact]
    public void A_zoom_range_with_low_above_high_is_refused_naming_both()
    {
        var error = Assert.Throws<ArgumentException>(() => new ImageDataGenerator(zoomRange: (1.2, 0.9)));
        Assert.Equal("zoomRange", error.ParamName);
        Assert.Contains("1.2", error.Message);
        Assert.Contains("0.9", error.Message);
    }

    [Fact]
    public void Bad_arguments_are_refused_with_their_name_and_value()
    {
        var rotation = Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDataGenerator(rotationRange: -5));
        Assert.Equal("rotationRange", rotation.ParamName);
        Assert.Contains("-5", rotation.Message);
        Assert.Equal("widthShiftRange", Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDataGenerator(widthShiftRange: double.NaN)).ParamName);
        Assert.Equal("heightShiftRange", Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDataGenerator(heightShiftRange: double.PositiveInfinity)).ParamName);
        Assert.Equal("shearRange", Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDataGenerator(shearRange: -1)).ParamName);
        Assert.Equal("zoomRange", Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDataGenerator(zoomRange: 1.5)).ParamName);
        var fill = Assert.Throws<ArgumentException>(() => new ImageDataGenerator(fillMode: "mirror"));
        Assert.Equal("fillMode", fill.ParamName);
        Assert.Contains("mirror", fill.Message);
        Assert.Contains("reflect", fill.Message);
        Assert.Equal("cval", Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDataGenerator(cval: double.NaN)).ParamName);
        Assert.Equal("rescale", Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDataGenerator(rescale: double.NaN)).ParamName);
        Assert.Equal("interpolationOrder", Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDataGenerator(interpolationOrder: 3)).ParamName);
    }

    [Fact]
    public void Images_of_the_wrong_rank_are_refused_with_their_shape()
    {
        var error = Assert.Throws<ArgumentException>(() => Plain.Augment(Tensor.Zeros(28, 28)));
        Assert.Contains("(28, 28)", error.Message);
        Assert.Contains("[N, H, W, C]", error.Message);
        Assert.Throws<ArgumentException>(() => Plain.ApplyTransform(Tensor.Zeros(2, 5, 5, 1), ImageTransform.Identity));
        Assert.Throws<ArgumentException>(() => Plain.Flow(Tensor.Zeros(0, 5, 5)));
        var labels = Assert.Throws<ArgumentException>(() => Plain.Flow(Tensor.Zeros(4, 5, 5), Tensor.Zeros(3)));
        Assert.Equal("y", labels.ParamName);
        Assert.Contains("4 images", labels.Message);
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => Plain.Flow(Tensor.Zeros(4, 5, 5), batchSize: 0)).ParamName);
    }
}

/// <summary>Compares floats within an absolute tolerance.</summary>
internal sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
{
    public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

    public int GetHashCode(float obj) => 0;
}
