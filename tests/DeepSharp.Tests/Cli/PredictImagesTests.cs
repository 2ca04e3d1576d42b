using System.Globalization;
using System.Text.RegularExpressions;
using DeepSharp.Cli;
using DeepSharp.Tests.Data;
using static DeepSharp.Tests.Cli.CliInProcess;

namespace DeepSharp.Tests.Cli;

/// <summary><c>deepsharp predict</c> on PNG images and IDX files, as a user points it at pictures and dataset files.</summary>
public partial class PredictImagesTests
{
    private static readonly string[] FashionNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static byte[] Pixels(int count, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static int ArgMax(float[] values, int row, int classes)
    {
        int best = 0;
        for (int c = 1; c < classes; c++) if (values[row * classes + c] > values[row * classes + best]) best = c;
        return best;
    }

    /// <summary>The printed table's rows (header left out), split at runs of two or more spaces.</summary>
    private static List<string[]> Rows(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => Columns().Split(line.TrimEnd())).ToList();

    [GeneratedRegex(" {2,}")]
    private static partial Regex Columns();

    [Fact]
    public void Png_files_and_a_folder_print_each_images_class_with_its_name()
    {
        using var dir = new TempDirectory();
        var model = SaveClassifier(dir.File("model.dsm"), [28, 28], 10);
        Directory.CreateDirectory(dir.File("shoes"));
        var a = Pixels(784, 1);
        var b = Pixels(784, 2);
        TestPng.WriteGray(dir.File("shoes", "b.png"), 28, 28, b); // the folder is read in name order: a, then b
        TestPng.WriteGray(dir.File("shoes", "a.png"), 28, 28, a);
        File.WriteAllText(dir.File("shoes", "notes.txt"), "not an image: left alone");
        // A colour image with transparent corners: RGB becomes luminance, transparent pixels black.
        var rgba = new byte[784 * 4];
        var c = Pixels(784 * 3, 3);
        var expectedC = new float[784];
        for (int i = 0; i < 784; i++)
        {
            bool transparent = i % 28 < 3 && i / 28 < 3;
            (rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2], rgba[4 * i + 3]) = (c[3 * i], c[3 * i + 1], c[3 * i + 2], transparent ? (byte)0 : (byte)255);
            expectedC[i] = transparent ? 0 : 0.299f * (c[3 * i] / 255f) + 0.587f * (c[3 * i + 1] / 255f) + 0.114f * (c[3 * i + 2] / 255f);
        }
        TestPng.WriteRgba(dir.File("colour.png"), 28, 28, rgba);

        var (code, output, error) = Run("predict", "--model", dir.File("model.dsm"), "--dataset", "fashion-mnist", dir.File("shoes"), "--input", dir.File("colour.png"));

        Assert.True(code == 0, error);
        var x = a.Concat(b).Select(v => v / 255f).Concat(expectedC).ToArray();
        var expected = model.Predict(Tensor.FromArray(x, 3, 28, 28)).ToArray();
        Assert.StartsWith("input", output);
        Assert.Matches(@"^input +class +name +probability\n", output.Replace("\r", ""));
        var rows = Rows(output);
        // --input values first, then the plain words, each in the order given.
        Assert.Equal([dir.File("colour.png"), dir.File("shoes", "a.png"), dir.File("shoes", "b.png")], rows.Select(r => r[0]));
        int[] order = [2, 0, 1];
        for (int r = 0; r < 3; r++)
        {
            int expectedClass = ArgMax(expected, order[r], 10);
            Assert.Equal(expectedClass.ToString(CultureInfo.InvariantCulture), rows[r][1]);
            Assert.Equal(FashionNames[expectedClass], rows[r][2]);
            Assert.Equal(expected[order[r] * 10 + expectedClass].ToString("0.0000", CultureInfo.InvariantCulture), rows[r][3]);
        }
    }

    [Fact]
    public void An_rgb_model_gets_gray_images_in_three_channels_and_the_csv_keeps_every_output()
    {
        using var dir = new TempDirectory();
        var model = SaveClassifier(dir.File("rgb.dsm"), [4, 4, 3], 3);
        var gray = Pixels(16, 4);
        TestPng.WriteGray(dir.File("gray.png"), 4, 4, gray);

        var (code, output, error) = Run("predict", "--model", dir.File("rgb.dsm"), dir.File("gray.png"), "--probabilities", "--out", dir.File("p.csv"));

        Assert.True(code == 0, error);
        Assert.Contains("p.csv", output);
        var x = gray.SelectMany(v => new[] { v / 255f, v / 255f, v / 255f }).ToArray();
        var expected = model.Predict(Tensor.FromArray(x, 1, 4, 4, 3)).ToArray();
        var lines = File.ReadAllLines(dir.File("p.csv"));
        Assert.Equal("input,class,name,probability,output_0,output_1,output_2", lines[0]);
        Assert.Equal(2, lines.Length);
        var cells = lines[1].Split(',');
        Assert.Equal(dir.File("gray.png"), cells[0]);
        Assert.Equal(ArgMax(expected, 0, 3).ToString(CultureInfo.InvariantCulture), cells[1]);
        Assert.Equal("", cells[2]); // no dataset: the classes have no names
        Assert.Equal(expected, cells[4..].Select(v => float.Parse(v, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void An_image_of_another_size_is_refused_naming_both_sizes()
    {
        using var dir = new TempDirectory();
        SaveClassifier(dir.File("model.dsm"), [28, 28], 10);
        TestPng.WriteGray(dir.File("photo.png"), 32, 30, Pixels(32 * 30, 5));

        var (code, _, error) = Run("predict", "--model", dir.File("model.dsm"), dir.File("photo.png"));

        Assert.Equal(1, code);
        Assert.Contains("'" + dir.File("photo.png") + "' is 32×30 pixels", error);
        Assert.Contains("28×28 grayscale images", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void An_idx_file_gives_the_classes_its_images_give_as_pngs_and_limit_keeps_the_first()
    {
        using var dir = new TempDirectory();
        SaveClassifier(dir.File("model.dsm"), [28, 28, 1], 10); // a CNN's input: one channel
        var pixels = Pixels(5 * 784, 6);
        File.WriteAllBytes(dir.File("images.idx.gz"), IdxBytes.Gzip(IdxBytes.UnsignedBytes([5, 28, 28], pixels)));
        File.WriteAllBytes(dir.File("labels.idx"), IdxBytes.UnsignedBytes([5], [1, 2, 3, 4, 5]));
        Directory.CreateDirectory(dir.File("pngs"));
        for (int i = 0; i < 3; i++) TestPng.WriteGray(dir.File("pngs", $"{i}.png"), 28, 28, pixels[(i * 784)..((i + 1) * 784)]);

        var fromIdx = Run("predict", "--model", dir.File("model.dsm"), dir.File("images.idx.gz"), "--limit", "3", "--out", dir.File("idx.csv"));
        var fromPngs = Run("predict", "--model", dir.File("model.dsm"), dir.File("pngs"), "--out", dir.File("png.csv"));

        Assert.True(fromIdx.Code == 0, fromIdx.Error);
        Assert.True(fromPngs.Code == 0, fromPngs.Error);
        var idxRows = File.ReadAllLines(dir.File("idx.csv"));
        var pngRows = File.ReadAllLines(dir.File("png.csv"));
        Assert.Equal(4, idxRows.Length);
        Assert.Equal(dir.File("images.idx.gz") + "[2]", idxRows[3].Split(',')[0]);
        Assert.Equal(pngRows.Select(row => row.Split(',')[1..]), idxRows.Select(row => row.Split(',')[1..]));

        var labels = Run("predict", "--model", dir.File("model.dsm"), dir.File("labels.idx"));
        Assert.Equal(1, labels.Code);
        Assert.Contains("holds an array of shape (5,), not images", labels.Error);
    }

    [Fact]
    public void Class_names_come_from_the_run_folder_unless_dataset_names_them()
    {
        using var dir = new TempDirectory();
        SaveClassifier(dir.File("model.dsm"), [28, 28], 10);
        File.WriteAllText(dir.File("metrics.json"), """{ "example": "mlp", "dataset": "mnist" }""");
        TestPng.WriteGray(dir.File("digit.png"), 28, 28, Pixels(784, 7));

        var recorded = Run("predict", "--model", dir.File("model.dsm"), dir.File("digit.png"));
        var asked = Run("predict", "--model", dir.File("model.dsm"), dir.File("digit.png"), "--dataset", "fashion-mnist");

        Assert.True(recorded.Code == 0, recorded.Error);
        Assert.True(asked.Code == 0, asked.Error);
        var digit = Rows(recorded.Output)[0];
        Assert.Equal(digit[1], digit[2]); // MNIST's classes are named by their digit
        Assert.Equal(FashionNames[int.Parse(digit[1], CultureInfo.InvariantCulture)], Rows(asked.Output)[0][2]);

        // Without a record, classes are numbers only; a dataset with another number of classes is refused.
        SaveClassifier(dir.File("three.dsm"), [28, 28], 3);
        var numbers = Run("predict", "--model", dir.File("three.dsm"), dir.File("digit.png"));
        Assert.True(numbers.Code == 0, numbers.Error);
        Assert.Matches(@"^input +class +probability\n", numbers.Output.Replace("\r", ""));
        var mismatch = Run("predict", "--model", dir.File("three.dsm"), dir.File("digit.png"), "--dataset", "mnist");
        Assert.Equal(2, mismatch.Code);
        Assert.Contains("--dataset mnist has 10 classes, but the model has 3 outputs", mismatch.Error);
    }

    [Fact]
    public void Bad_inputs_and_outputs_are_named()
    {
        using var dir = new TempDirectory();
        SaveClassifier(dir.File("model.dsm"), [28, 28], 10);
        File.WriteAllText(dir.File("notes.txt"), "hello");
        Directory.CreateDirectory(dir.File("empty"));

        var noInput = Run("predict", "--model", dir.File("model.dsm"));
        Assert.Equal(2, noInput.Code);
        Assert.Contains("no input", noInput.Error);

        var text = Run("predict", "--model", dir.File("model.dsm"), dir.File("notes.txt"));
        Assert.Equal(1, text.Code);
        Assert.Contains($"'{dir.File("notes.txt")}' is neither a PNG image, an IDX file nor a safetensors file", text.Error);

        var empty = Run("predict", "--model", dir.File("model.dsm"), dir.File("empty"));
        Assert.Equal(1, empty.Code);
        Assert.Contains("holds no .png files", empty.Error);

        var missing = Run("predict", "--model", dir.File("model.dsm"), dir.File("nothing.png"));
        Assert.Equal(1, missing.Code);
        Assert.Contains($"'{dir.File("nothing.png")}' does not exist", missing.Error);

        var format = Run("predict", "--model", dir.File("model.dsm"), dir.File("empty"), "--out", dir.File("p.txt"));
        Assert.Equal(2, format.Code);
        Assert.Contains($"--out '{dir.File("p.txt")}': expected a name ending in .csv", format.Error);
    }
}
