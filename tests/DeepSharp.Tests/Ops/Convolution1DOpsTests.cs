using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

using Ops = global::DeepSharp.Ops;

/// <summary>Conv1D ("valid", "same", "causal", dilation, groups) against PyTorch (NLC/KIO converted by the fixture script) and finite differences.</summary>
public class Convolution1DOpsTests
{
    public static TheoryData<string, string> Cases => PyTorchFixture.Cases("conv/conv1d.json");

    private static int Int(PyTorchFixture f, string name) => f.Args.GetProperty(name).GetInt32();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conv1D_matches_pytorch(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var (x, w, b) = (f.Input(0), f.Input(1), f.Input(2));
        var y = Ops.Conv1D(x, w, b, Int(f, "strides"), f.String("padding"), Int(f, "dilation"), Int(f, "groups"));
        Assert.Equal(f.Output.Shape, y.Shape.ToArray());
        OpAssert.Close(f.Output.Values, y.ToArray(), 1e-4, 1e-4);
        y.Backward(f.Upstream());
        OpAssert.Close(f.Gradients[0].Values, x.Grad!.ToArray(), 1e-4, 1e-4);
        OpAssert.Close(f.Gradients[1].Values, w.Grad!.ToArray(), 1e-4, 1e-4);
        OpAssert.Close(f.Gradients[2].Values, b.Grad!.ToArray(), 1e-4, 1e-4);
    }

    [Theory]
    [InlineData(1, "valid", 1, 1)]
    [InlineData(2, "same", 1, 1)]
    [InlineData(1, "causal", 2, 1)]
    [InlineData(2, "causal", 1, 2)]
    [InlineData(1, "same", 1, 4)]
    public void Conv1D_gradient_checks(int stride, string padding, int dilation, int groups)
    {
        var x = OpAssert.Random(1, -1f, 1f, 2, 7, 4);
        var w = OpAssert.Random(2, -1f, 1f, 3, 4 / groups, 4);
        var b = OpAssert.Random(3, -1f, 1f, 4);
        OpAssert.GradientChecks(t => Ops.Conv1D(t[0], t[1], t[2], stride, padding, dilation, groups), x, w, b);
    }

    [Fact]
    public void Causal_outputs_never_see_later_steps()
    {
        var w = Tensor.RandomNormal([3, 2, 4], generator: new RandomGenerator(4));
        var x = Tensor.RandomNormal([1, 6, 2], generator: new RandomGenerator(5));
        var changed = x.ToArray();
        for (int i = 4 * 2; i < changed.Length; i++) changed[i] += 10f; // steps 4 and 5
        var before = Ops.Conv1D(x, w, padding: "causal").ToArray();
        var after = Ops.Conv1D(Tensor.FromArray(changed, 1, 6, 2), w, padding: "causal").ToArray();
        Assert.Equal(6 * 4, before.Length);
        Assert.Equal(before[..(4 * 4)], after[..(4 * 4)]);
        Assert.NotEqual(before[(4 * 4)..], after[(4 * 4)..]);
    }

    [Fact]
    public void A_sequence_is_convolved_as_an_image_of_height_one()
    {
        var x = Tensor.RandomNormal([2, 9, 3], generator: new RandomGenerator(6));
        var w = Tensor.RandomNormal([4, 3, 5], generator: new RandomGenerator(7));
        var sequence = Ops.Conv1D(x, w, strides: 2, padding: "same").ToArray();
        var image = Ops.Conv2D(x.Reshape(2, 1, 9, 3), w.Reshape(1, 4, 3, 5), strides: (1, 2), padding: "same").ToArray();
        Assert.Equal(image, sequence);
    }

    [Fact]
    public void Bad_shapes_and_arguments_are_refused_naming_them()
    {
        var e1 = Assert.Throws<ArgumentException>(() => Ops.Conv1D(Tensor.Ones(2, 5, 3, 1), Tensor.Ones(3, 3, 4)));
        Assert.Contains("rank 3", e1.Message);
        Assert.Contains("(2, 5, 3, 1)", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Ops.Conv1D(Tensor.Ones(1, 5, 2), Tensor.Ones(3, 3, 4)));
        Assert.Contains("2 channels", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => Ops.Conv1D(Tensor.Ones(1, 2, 1), Tensor.Ones(3, 1, 1)));
        Assert.Contains("(1, 2, 1)", e3.Message);
        Assert.Contains("causal", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => Ops.Conv1D(Tensor.Ones(1, 5, 1), Tensor.Ones(3, 1, 4), padding: "full"));
        Assert.Contains("\"full\"", e4.Message);
        var e5 = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Conv1D(Tensor.Ones(1, 5, 1), Tensor.Ones(3, 1, 4), strides: 0));
        Assert.Contains("strides", e5.Message);
        var e6 = Assert.Throws<ArgumentException>(() => Ops.Conv1D(Tensor.Ones(1, 5, 4), Tensor.Ones(3, 2, 3), groups: 2));
        Assert.Contains("filters (3", e6.Message);
        Assert.Contains("groups (2)", e6.Message);
        var e7 = Assert.Throws<ArgumentException>(() => Ops.Conv1D(Tensor.Ones(1, 5, 6), Tensor.Ones(3, 2, 4), groups: 2));
        Assert.Contains("6", e7.Message);
        Assert.Contains("2 groups", e7.Message);
    }
}
