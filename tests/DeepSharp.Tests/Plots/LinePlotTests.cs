using DeepSharp.Plots;

namespace DeepSharp.Tests.Plots;

public class LinePlotTests
{
    [Fact]
    public void Gan_losses_are_drawn_in_two_colours()
    {
        var d = new double[40];
        var g = new double[40];
        for (int i = 0; i < 40; i++)
        {
            d[i] = 0.7 - 0.1 * Math.Sin(i / 5.0);
            g[i] = 1.2 + 0.3 * Math.Cos(i / 4.0);
        }
        using var dir = new TempDirectory();
        string path = dir.File("losses.png");
        LinePlot.Save(path, new Dictionary<string, IReadOnlyList<double>> { ["Discriminator"] = d, ["Generator"] = g }, title: "GAN losses");
        var png = PngTestDecoder.DecodeFile(path);
        Assert.Equal((640, 480), (png.Width, png.Height));
        int blue = 0, orange = 0;
        for (int y = 0; y < png.Height; y++)
            for (int x = 0; x < png.Width; x++)
            {
                var (r, gr, b) = png.Rgb(x, y);
                if (Math.Abs(r - 0x1f) + Math.Abs(gr - 0x77) + Math.Abs(b - 0xb4) < 30) blue++;
                if (Math.Abs(r - 0xff) + Math.Abs(gr - 0x7f) + Math.Abs(b - 0x0e) < 30) orange++;
            }
        Assert.True(blue > 300, $"{blue} blue pixels");
        Assert.True(orange > 300, $"{orange} orange pixels");
    }

    [Fact]
    public void Rejects_no_series_and_empty_series()
    {
        var e1 = Assert.Throws<ArgumentException>(() => LinePlot.Render(new Dictionary<string, IReadOnlyList<double>>(), null, "Epoch", "Loss", 640, 480));
        Assert.Contains("no series", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() =>
            LinePlot.Render(new Dictionary<string, IReadOnlyList<double>> { ["Generator"] = [] }, null, "Epoch", "Loss", 640, 480));
        Assert.Contains("'Generator' is empty", e2.Message);
    }
}
