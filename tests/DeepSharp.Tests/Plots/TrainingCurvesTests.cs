using DeepSharp.Plots;

namespace DeepSharp.Tests.Plots;

public class TrainingCurvesTests
{
    private static readonly (byte R, byte G, byte B) Blue = (0x1f, 0x77, 0xb4), Orange = (0xff, 0x7f, 0x0e);

    private static Dictionary<string, IReadOnlyList<double>> History(int epochs)
    {
        var history = new Dictionary<string, IReadOnlyList<double>>();
        var loss = new double[epochs]; var accuracy = new double[epochs];
        var valLoss = new double[epochs]; var valAccuracy = new double[epochs];
        for (int e = 0; e < epochs; e++)
        {
            loss[e] = 0.3 + 0.6 * Math.Exp(-e / 3.0);
            valLoss[e] = 0.4 + 0.5 * Math.Exp(-e / 4.0);
            accuracy[e] = 0.95 - 0.2 * Math.Exp(-e / 3.0);
            valAccuracy[e] = 0.9 - 0.15 * Math.Exp(-e / 4.0);
        }
        history["loss"] = loss; history["accuracy"] = accuracy;
        history["val_loss"] = valLoss; history["val_accuracy"] = valAccuracy;
        return history;
    }

    /// <summary>Pixels within a small distance of <paramref name="colour"/> in columns [x0, x1).</summary>
    private static int CountNear(DecodedPng png, (byte R, byte G, byte B) colour, int x0, int x1)
    {
        int count = 0;
        for (int y = 0; y < png.Height; y++)
            for (int x = x0; x < x1; x++)
            {
                var (r, g, b) = png.Rgb(x, y);
                if (Math.Abs(r - colour.R) + Math.Abs(g - colour.G) + Math.Abs(b - colour.B) < 30) count++;
            }
        return count;
    }

    private static int DistinctColours(DecodedPng png)
    {
        var seen = new HashSet<int>();
        for (int y = 0; y < png.Height; y++)
            for (int x = 0; x < png.Width; x++)
            {
                var (r, g, b) = png.Rgb(x, y);
                seen.Add(r << 16 | g << 8 | b);
            }
        return seen.Count;
    }

    [Fact]
    public void Curves_are_a_png_of_the_requested_size_with_both_panels_drawn()
    {
        using var dir = new TempDirectory();
        string path = dir.File("curves.png");
        TrainingCurves.Save(path, History(12), title: "Run 1", width: 1000, height: 400);
        var png = PngTestDecoder.DecodeFile(path);
        Assert.Equal((1000, 400), (png.Width, png.Height));
        Assert.True(DistinctColours(png) > 50, "the picture is not blank");
        // Training (blue) and validation (orange) lines appear in each half: both panels were drawn.
        Assert.True(CountNear(png, Blue, 0, 500) > 200, "blue in the loss panel");
        Assert.True(CountNear(png, Orange, 0, 500) > 100, "orange in the loss panel");
        Assert.True(CountNear(png, Blue, 500, 1000) > 200, "blue in the accuracy panel");
        Assert.True(CountNear(png, Orange, 500, 1000) > 100, "orange in the accuracy panel");
        Assert.Equal(["curves.png"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Accuracy_figure_is_one_panel_of_the_default_size()
    {
        using var dir = new TempDirectory();
        TrainingCurves.SaveAccuracy(dir.File("accuracy.png"), History(5));
        var png = PngTestDecoder.DecodeFile(dir.File("accuracy.png"));
        Assert.Equal((TrainingCurves.DefaultPanelWidth, TrainingCurves.DefaultPanelHeight), (png.Width, png.Height));
        Assert.True(CountNear(png, Blue, 0, png.Width) > 200);
        Assert.True(CountNear(png, Orange, 0, png.Width) > 100);
    }

    [Fact]
    public void A_single_epoch_renders_as_markers()
    {
        var history = new Dictionary<string, IReadOnlyList<double>> { ["loss"] = [0.7], ["val_loss"] = [0.8] };
        var image = TrainingCurves.RenderCurves(history, null, 600, 400);
        var png = PngTestDecoder.Decode(image.EncodePng());
        // A 7-pixel marker is about 38 pixels; the legend symbols add a few more.
        Assert.True(CountNear(png, Blue, 0, 600) > 30, "blue marker");
        Assert.True(CountNear(png, Orange, 0, 600) > 30, "orange marker");
    }

    [Fact]
    public void Loss_only_history_fills_the_figure_with_one_panel()
    {
        var history = new Dictionary<string, IReadOnlyList<double>> { ["loss"] = [1.0, 0.6, 0.5, 0.45] };
        var image = TrainingCurves.RenderCurves(history, null, 800, 300);
        var png = PngTestDecoder.Decode(image.EncodePng());
        Assert.True(CountNear(png, Blue, 0, 400) > 100);
        Assert.True(CountNear(png, Blue, 400, 800) > 100); // one wide panel, not a loss panel and an empty half
    }

    [Fact]
    public void NaN_values_leave_a_gap_and_are_noted_in_the_legend()
    {
        var values = new List<double> { 0.9, 0.7, double.NaN, double.PositiveInfinity };
        Assert.Equal(" (not finite from epoch 3)", LinePanel.NonFiniteNote(values));
        Assert.Equal(" (not finite at epoch 2)", LinePanel.NonFiniteNote([1, double.NaN, 1]));
        Assert.Equal(" (not finite at 2 epochs from epoch 1)", LinePanel.NonFiniteNote([double.NaN, 1, double.NaN, 1]));
        Assert.Equal("", LinePanel.NonFiniteNote([1, 2]));
        var image = TrainingCurves.RenderCurves(new Dictionary<string, IReadOnlyList<double>> { ["loss"] = values }, null, 400, 300);
        Assert.Equal((400, 300), (image.Width, image.Height));
    }

    [Fact]
    public void A_series_with_no_finite_value_is_rejected()
    {
        var history = new Dictionary<string, IReadOnlyList<double>> { ["loss"] = [double.NaN, double.NaN] };
        var e = Assert.Throws<ArgumentException>(() => TrainingCurves.RenderCurves(history, null, 600, 400));
        Assert.Contains("no finite value", e.Message);
        Assert.Contains("'Training'", e.Message);
    }

    [Fact]
    public void Empty_series_and_histories_are_rejected_by_name()
    {
        var empty = new Dictionary<string, IReadOnlyList<double>> { ["loss"] = [0.5], ["val_loss"] = [] };
        var e1 = Assert.Throws<ArgumentException>(() => TrainingCurves.RenderCurves(empty, null, 600, 400));
        Assert.Contains("'val_loss' is empty", e1.Message);
        Assert.Contains("TrainingCurves.Save", e1.Message);

        var e2 = Assert.Throws<ArgumentException>(() => TrainingCurves.RenderCurves(new Dictionary<string, IReadOnlyList<double>>(), null, 600, 400));
        Assert.Contains("history is empty", e2.Message);

        var noLoss = new Dictionary<string, IReadOnlyList<double>> { ["accuracy"] = [0.5] };
        var e3 = Assert.Throws<ArgumentException>(() => TrainingCurves.RenderCurves(noLoss, null, 600, 400));
        Assert.Contains("'accuracy'", e3.Message);

        using var dir = new TempDirectory();
        var e4 = Assert.Throws<ArgumentException>(() => TrainingCurves.SaveAccuracy(dir.File("a.png"), History(3).Where(p => !p.Key.Contains("acc")).ToDictionary()));
        Assert.Contains("no accuracy", e4.Message);
        Assert.Empty(Directory.GetFiles(dir.Path)); // nothing written on failure
    }

    [Fact]
    public void Sizes_out_of_range_are_rejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TrainingCurves.RenderCurves(History(3), null, 200, 400));
        Assert.Contains("width must be from 320", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingCurves.RenderCurves(History(3), null, 800, 50));
    }

    [Fact]
    public void Panel_titles_say_which_lines_they_show()
    {
        Assert.Equal("Training and validation loss", TrainingCurves.Panel(History(2), "loss", null, "Training", "Validation").Title);
        var trainingOnly = new Dictionary<string, IReadOnlyList<double>> { ["loss"] = [1.0], ["sparse_categorical_accuracy"] = [0.5] };
        var panel = TrainingCurves.Panel(trainingOnly, "sparse_categorical_accuracy", null, "Training", "Validation");
        Assert.Equal("Training sparse categorical accuracy", panel.Title);
        Assert.Equal("Sparse categorical accuracy", panel.YLabel);
        Assert.Single(panel.Series);
        var validationOnly = new Dictionary<string, IReadOnlyList<double>> { ["val_loss"] = [1.0] };
        var dashed = Assert.Single(TrainingCurves.Panel(validationOnly, "loss", null, "Training", "Validation").Series);
        Assert.True(dashed.Dashed);
        Assert.Equal("Validation loss", TrainingCurves.Panel(validationOnly, "loss", null, "Training", "Validation").Title);
    }

    [Fact]
    public void Metric_names_read_as_words()
    {
        Assert.Equal("Sparse categorical accuracy", TrainingCurves.DisplayName("sparse_categorical_accuracy", capitalise: true));
        Assert.Equal("accuracy", TrainingCurves.DisplayName("acc", capitalise: false));
        Assert.Equal("MAE", TrainingCurves.DisplayName("mae", capitalise: true));
    }

    [Fact]
    public void The_legend_goes_to_the_corner_the_lines_leave_free()
    {
        var falling = new LinePanel("t", "Epoch", "Loss", [new PlotSeries("Training", [1.0, 0.5, 0.3, 0.25, 0.22, 0.2], LinePanel.Palette[0])]);
        using (var plot = falling.Build("test", 600, 400))
            Assert.Equal(ScottPlot.Alignment.UpperRight, plot.Legend.Alignment);

        // A steep rise leaves the upper left free, first in matplotlib's order after the upper right.
        var rising = new LinePanel("t", "Epoch", "Accuracy", [new PlotSeries("Training", [0.5, 0.8, 0.9, 0.93, 0.94, 0.95], LinePanel.Palette[0])]);
        using (var plot = rising.Build("test", 600, 400))
            Assert.Equal(ScottPlot.Alignment.UpperLeft, plot.Legend.Alignment);

        // A jump to the top after the first epoch leaves only the lower right free.
        var jump = new LinePanel("t", "Epoch", "Accuracy", [new PlotSeries("Training", [0.0, 1.0, 1.0, 1.0, 1.0, 1.0], LinePanel.Palette[0])]);
        using (var plot = jump.Build("test", 600, 400))
            Assert.Equal(ScottPlot.Alignment.LowerRight, plot.Legend.Alignment);
    }
}
