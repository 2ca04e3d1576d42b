using DeepSharp.Cli;
using DeepSharp.Examples;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Plots;

namespace DeepSharp.Tests.Cli;

public class AugmentCommandTests
{
    [Fact]
    public void Writes_the_originals_in_the_first_row_and_their_augmentations_below()
    {
        using var dir = new Plots.TempDirectory();
        var output = new StringWriter();

        int code = CommandRunner.Run(["augment", "--out", dir.Path, "--count", "4", "--rows", "2", "--scale", "1", "--seed", "7",
            "--data", SharedData.Directory], output, output);

        Assert.True(code == 0, output.ToString());
        var png = PngTestDecoder.DecodeFile(dir.File("augmented.png"));
        const int gap = 2, tile = 28;
        int labelWidth = png.Width - gap - 4 * (tile + gap);
        Assert.Equal(gap + 3 * (tile + gap), png.Height);
        Assert.InRange(labelWidth, 20, 200); // row labels: "original", "augmented 1", ...

        // The tiles are the first four test images, then the default augmentation of them with seed 7.
        var test = Datasets.FashionMnist.LoadTest(SharedData.Directory);
        var originals = global::DeepSharp.Ops.Slice(test.X, 0, 0, 4).ToArray();
        var copies = originals.Concat(originals).ToArray();
        var augmented = CnnAugmentation.Default().Augment(Tensor.FromArray(copies, 8, 28, 28), seed: 7).ToArray();
        var expected = originals.Concat(augmented).ToArray();
        for (int image = 0; image < 12; image++)
        {
            int left = labelWidth + gap + image % 4 * (tile + gap), top = gap + image / 4 * (tile + gap);
            for (int y = 0; y < tile; y++)
                for (int x = 0; x < tile; x++)
                    Assert.Equal(global::DeepSharp.Plots.ImageGrid.ToByte(expected[image * 784 + y * 28 + x]), png[left + x, top + y]);
        }
        Assert.NotEqual(originals, augmented.AsSpan(0, 4 * 784).ToArray());
        Assert.Contains("rotation 5°", output.ToString());
    }

    [Fact]
    public void Bad_options_exit_with_2_and_say_why()
    {
        var error = new StringWriter();
        Assert.Equal(2, CommandRunner.Run(["augment"], TextWriter.Null, error));
        Assert.Contains("--out", error.ToString());

        error = new StringWriter();
        Assert.Equal(2, CommandRunner.Run(["augment", "--out", "x", "--zoom", "1.2,0.9"], TextWriter.Null, error));
        Assert.Contains("1.2", error.ToString());
        Assert.Contains("0.9", error.ToString());

        error = new StringWriter();
        Assert.Equal(2, CommandRunner.Run(["augment", "--out", "x", "--fill-mode", "mirror"], TextWriter.Null, error));
        Assert.Contains("nearest, constant, reflect, wrap", error.ToString());
    }
}
