using static DeepSharp.Tests.Interop.Onnx.OnnxModels;

namespace DeepSharp.Tests.Interop.Onnx;

/// <summary>
/// An NCHW graph becomes a model on NHWC images: elementwise ops take their constants rearranged, ops with an
/// axis take it renumbered, spatial ops read channels-last, and no transpose is left between them. The result
/// equals the same graph imported in ONNX's own layout.
/// </summary>
public class ChannelsLastImportTests
{
    private static float[] Values(int seed, int count)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
    }

    private static byte[] Graph() => Model(
        [
            Node("Sub", "normalize", ["x", "mean"], ["xn"]),
            Node("Conv", "conv_a", ["xn", "wa"], ["a"], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1)),
            Node("Add", "bias", ["a", "ba"], ["ab"]),
            Node("Mul", "scale", ["ab", "sa"], ["as"]),
            Node("Conv", "conv_b", ["xn", "wb", "bb"], ["b"], Ints("kernel_shape", 1, 1), Int("group", 3)),
            Node("Concat", "join", ["as", "b"], ["c"], Int("axis", 1)),
            Node("Softmax", "channels", ["c"], ["s"], Int("axis", 1)),
            Node("MaxPool", "pool", ["s"], ["p"], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Int("ceil_mode", 1)),
            Node("ReduceMean", "mean_hw", ["p"], ["m"], Ints("axes", 2, 3), Int("keepdims", 1)),
            Node("Flatten", "flatten", ["m"], ["f"]),
            Node("Gemm", "dense", ["f", "w", "d"], ["y"], Int("transB", 1)),
        ],
        [
            Floats("mean", Values(1, 3), 1, 3, 1, 1), Floats("wa", Values(2, 4 * 3 * 9), 4, 3, 3, 3), Floats("ba", Values(3, 4), 1, 4, 1, 1),
            Floats("sa", Values(4, 4), 4, 1, 1), Floats("wb", Values(5, 6), 6, 1, 1, 1), Floats("bb", Values(6, 6), 6),
            Floats("w", Values(7, 2 * 10), 2, 10), Floats("d", Values(8, 2), 2),
        ],
        [Value("x", "N", 3, 7, 7)], [Value("y", "N", 2)]);

    [Fact]
    public void A_channels_first_graph_runs_channels_last_without_transposes_and_computes_the_same()
    {
        var x = Tensor.RandomUniform([4, 3, 7, 7], generator: new RandomGenerator(9));
        var nchw = DeepSharp.Onnx.Import(Graph(), "nchw.onnx", new OnnxImportOptions { ChannelsLast = false });
        var nhwc = DeepSharp.Onnx.Import(Graph(), "nhwc.onnx");
        Assert.Equal(new TensorShape(7, 7, 3), nhwc.Inputs[0].Shape);
        Assert.DoesNotContain(nhwc.Layers.OfType<OnnxNode>(), n => n.OpType is "Transpose" or "Gather");
        var expected = nchw.Predict(x);
        var actual = nhwc.Predict(DeepSharp.Ops.Permute(x, 0, 2, 3, 1).Contiguous());
        Assert.True(PyTorchImportTests.MaxDifference(actual, expected) <= 1e-6f);
    }

    [Fact]
    public void PyTorchs_view_of_the_batch_by_minus_one_is_a_Flatten_and_its_shape_arithmetic_is_left_out()
    {
        var bytes = Model(
            [
                Node("Conv", "conv", ["x", "w"], ["c"], Ints("kernel_shape", 3, 3)),
                Node("Shape", "shape", ["c"], ["s"]),
                Node("Gather", "batch", ["s", "zero"], ["n"], Int("axis", 0)),
                Node("Unsqueeze", "n1", ["n", "zeros"], ["n2"]),
                Node("Concat", "target", ["n2", "minus_one"], ["t"], Int("axis", 0)),
                Node("Reshape", "view", ["c", "t"], ["f"]),
                Node("Gemm", "dense", ["f", "k", "d"], ["y"], Int("transB", 1)),
            ],
            [
                Floats("w", Values(1, 2 * 3 * 9), 2, 3, 3, 3), Longs("zero", [0]), Longs("zeros", [0], 1), Longs("minus_one", [-1], 1),
                Floats("k", Values(2, 4 * 2 * 3 * 3), 4, 18), Floats("d", Values(3, 4), 4),
            ],
            [Value("x", "N", 3, 5, 5)], [Value("y", "N", 4)]);
        var nhwc = DeepSharp.Onnx.Import(bytes, "view.onnx");
        Assert.Equal("InputLayer Conv2D Flatten Dense", string.Join(" ", nhwc.Layers.Select(l => l.ClassName)));
        var nchw = DeepSharp.Onnx.Import(bytes, "view.onnx", new OnnxImportOptions { ChannelsLast = false, RecognizeLayers = false });
        var x = Tensor.RandomUniform([3, 3, 5, 5], generator: new RandomGenerator(4));
        Assert.True(PyTorchImportTests.MaxDifference(nhwc.Predict(DeepSharp.Ops.Permute(x, 0, 2, 3, 1).Contiguous()), nchw.Predict(x)) <= 1e-6f);
    }
}
