using DeepSharp.Plots;

namespace DeepSharp.Tests.Plots;

public class ImageGridTests
{
    private static byte Expected(float value) => (byte)Math.Round(Math.Clamp(value, 0f, 1f) * 255f, MidpointRounding.AwayFromZero);

    private static float[] Ramp(int count, float step, float start = 0f)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = start + ((i * step) % 1f);
        return values;
    }

    [Fact]
    public void Gray_grid_has_the_layout_size_and_exact_tile_pixels()
    {
        // 5 images of 3 × 4 in 2 columns: 3 rows; gap 2 between tiles and around them.
        int n = 5, h = 3, w = 4, gap = 2;
        float[] values = Ramp(n * h * w, 0.037f);
        using var dir = new TempDirectory();
        string path = dir.File("grid.png");
        ImageGrid.Save(path, Tensor.FromArray(values, n, h, w), columns: 2, gap: gap);

        var png = PngTestDecoder.DecodeFile(path);
        Assert.Equal(1, png.Channels);
        Assert.Equal(gap + 2 * (w + gap), png.Width);
        Assert.Equal(gap + 3 * (h + gap), png.Height);
        for (int i = 0; i < n; i++)
        {
            int left = gap + (i % 2) * (w + gap), top = gap + (i / 2) * (h + gap);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    Assert.Equal(Expected(values[(i * h + y) * w + x]), png[left + x, top + y]);
        }
        // Gaps, margins and the empty sixth tile are background (white by default).
        Assert.Equal(255, png[0, 0]);
        Assert.Equal(255, png[gap + w, gap]);
        Assert.Equal(255, png[gap + w + gap + 1, gap + 2 * (h + gap) + 1]);
    }

    [Fact]
    public void Scale_repeats_each_value_as_a_block_and_keeps_the_gap_in_output_pixels()
    {
        float[] values = [0f, 0.25f, 0.5f, 1f]; // two 1 × 2 images
        var grid = ImageGrid.Render(Tensor.FromArray(values, 2, 1, 2), columns: 2, scale: 3, gap: 1, background: 0f);
        Assert.Equal(1 + 2 * (2 * 3 + 1), grid.Width);
        Assert.Equal(1 + 1 * (1 * 3 + 1), grid.Height);
        for (int i = 0; i < 2; i++)
            for (int x = 0; x < 2; x++)
                for (int dy = 0; dy < 3; dy++)
                    for (int dx = 0; dx < 3; dx++)
                        Assert.Equal(Expected(values[i * 2 + x]), grid[1 + i * 7 + x * 3 + dx, 1 + dy]);
        Assert.Equal(0, grid[7, 2]); // the gap between the tiles, black here
    }

    [Fact]
    public void Rgb_images_keep_channel_order()
    {
        float[] values = [1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f, 0.5f, 0.5f, 0.5f]; // one 2 × 2 RGB image
        using var dir = new TempDirectory();
        ImageGrid.Save(dir.File("rgb.png"), Tensor.FromArray(values, 1, 2, 2, 3), gap: 0);
        var png = PngTestDecoder.DecodeFile(dir.File("rgb.png"));
        Assert.Equal((2, 2, 3), (png.Width, png.Height, png.Channels));
        Assert.Equal(((byte)255, (byte)0, (byte)0), png.Rgb(0, 0));
        Assert.Equal(((byte)0, (byte)255, (byte)0), png.Rgb(1, 0));
        Assert.Equal(((byte)0, (byte)0, (byte)255), png.Rgb(0, 1));
        Assert.Equal(((byte)128, (byte)128, (byte)128), png.Rgb(1, 1));
    }

    [Fact]
    public void One_channel_rank_4_images_are_gray()
    {
        var grid = ImageGrid.Render(Tensor.FromArray([0.2f, 0.4f], 2, 1, 1, 1), gap: 0);
        Assert.Equal((2, 1, 1), (grid.Width, grid.Height, grid.Channels));
        Assert.Equal(Expected(0.4f), grid[1, 0]);
    }

    [Fact]
    public void Value_ranges_map_as_documented()
    {
        var tanh = ImageGrid.Render(Tensor.FromArray([-1f, 0f, 1f, -3f, 2f], 1, 1, 5), range: ImageValueRange.MinusOneToOne, gap: 0);
        Assert.Equal([0, 128, 255, 0, 255], tanh.Pixels);

        var clipped = ImageGrid.Render(Tensor.FromArray([-0.2f, 1.5f], 1, 1, 2), gap: 0);
        Assert.Equal([0, 255], clipped.Pixels);

        // Batch min-max: one scale for all; per image: each stretched on its own; a constant image maps to black.
        var batch = Tensor.FromArray([2f, 4f, 6f, 10f, 7f, 7f], 3, 1, 2);
        Assert.Equal([0, 64, 128, 255, 159, 159], ImageGrid.Render(batch, range: ImageValueRange.MinMax, gap: 0).Pixels);
        Assert.Equal([0, 255, 0, 255, 0, 0], ImageGrid.Render(batch, range: ImageValueRange.MinMaxPerImage, gap: 0).Pixels);
    }

    [Fact]
    public void Reads_non_contiguous_views_in_logical_order()
    {
        // Every other image of a batch of 4, as a strided view: the grid must show images 0 and 2.
        var batch = Tensor.FromArray([0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f], 4, 1, 2);
        var view = Tensor.View(batch, [2, 1, 2], [4, 2, 1], 0);
        Assert.False(view.IsContiguous);
        var grid = ImageGrid.Render(view, gap: 0);
        Assert.Equal([Expected(0f), Expected(0.1f), Expected(0.4f), Expected(0.5f)], grid.Pixels);
    }

    [Fact]
    public void Row_labels_add_a_strip_left_of_the_tiles_and_leave_tiles_exact()
    {
        int n = 4, h = 6, w = 6;
        float[] values = Ramp(n * h * w, 0.013f);
        var plain = ImageGrid.Render(Tensor.FromArray(values, n, h, w), columns: 2, scale: 2);
        var labelled = ImageGrid.Render(Tensor.FromArray(values, n, h, w), columns: 2, scale: 2, rowLabels: ["real", "fake"]);
        int strip = labelled.Width - plain.Width;
        Assert.True(strip > 10, $"label strip of {strip} pixels");
        Assert.Equal(plain.Height, labelled.Height);
        for (int y = 0; y < plain.Height; y++)
            for (int x = 0; x < plain.Width; x++)
                Assert.Equal(plain[x, y], labelled[strip + x, y]);
        // The strip holds dark text on the white background.
        int dark = 0;
        for (int y = 0; y < labelled.Height; y++)
            for (int x = 0; x < strip; x++)
                if (labelled[x, y] < 128) dark++;
        Assert.True(dark > 20, $"{dark} dark pixels in the label strip");
    }

    [Fact]
    public void Columns_shrink_to_the_number_of_images()
    {
        var grid = ImageGrid.Render(Tensor.Zeros(3, 2, 2), columns: 8, gap: 1);
        Assert.Equal(1 + 3 * (2 + 1), grid.Width);
    }

    [Fact]
    public void Rejects_images_of_rank_2_naming_the_expected_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => ImageGrid.Render(Tensor.Zeros(28, 28)));
        Assert.Contains("[N, H, W]", e.Message);
        Assert.Contains("(28, 28)", e.Message);
        Assert.Contains("rank 2", e.Message);
    }

    [Fact]
    public void Rejects_other_channel_counts_and_hints_at_channels_first()
    {
        var e = Assert.Throws<ArgumentException>(() => ImageGrid.Render(Tensor.Zeros(2, 3, 8, 8)));
        Assert.Contains("8 channels", e.Message);
        Assert.Contains("NHWC", e.Message);
        Assert.Throws<ArgumentException>(() => ImageGrid.Render(Tensor.Zeros(2, 8, 8, 2)));
    }

    [Fact]
    public void Rejects_NaN_naming_the_image_and_position()
    {
        var values = new float[2 * 3 * 3];
        values[9 + 3 * 1 + 2] = float.NaN; // image 1, row 1, column 2
        var e = Assert.Throws<ArgumentException>(() => ImageGrid.Render(Tensor.FromArray(values, 2, 3, 3)));
        Assert.Contains("image 1", e.Message);
        Assert.Contains("row 1, column 2", e.Message);
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void Rejects_bad_layout_arguments()
    {
        var images = Tensor.Zeros(4, 2, 2);
        Assert.Contains("columns", Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Render(images, columns: 0)).Message);
        Assert.Contains("scale", Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Render(images, scale: 0)).Message);
        Assert.Contains("gap", Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Render(images, gap: -1)).Message);
        Assert.Contains("background", Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Render(images, background: float.NaN)).Message);
        var e = Assert.Throws<ArgumentException>(() => ImageGrid.Render(images, columns: 2, rowLabels: ["only one"]));
        Assert.Contains("needs 2 labels; got 1", e.Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => ImageGrid.Render(Tensor.Zeros(0, 2, 2))).Message);
    }
}
