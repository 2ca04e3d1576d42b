using DeepSharp.Tests.Interop.Onnx;
using static DeepSharp.Tests.Interop.Onnx.OnnxModels;

namespace DeepSharp.Interop.Tests.Interop.Onnx;

/// <summary>
/// Nodes of an old opset, whose attributes later opsets take as inputs (Unsqueeze, Pad, Slice, Clip, Squeeze,
/// ReduceSum, Dropout), imported as ONNX nodes and exported at opset 17: ONNX Runtime gives the original's outputs.
/// </summary>
public class OnnxRuntimeOpsetTests
{
    /// <summary>An opset-9 graph of ops whose form changed by opset 17.</summary>
    private static byte[] Opset9Model() => Model(
        [
            Node("Unsqueeze", ["x"], ["u"], Ints("axes", 1)),
            Node("Pad", ["u"], ["p"], Ints("pads", 0, 0, 1, 0, 0, 0, 0, 2), Float("value", 0.5f)),
            Node("Slice", ["p"], ["s"], Ints("starts", 1), Ints("ends", 3), Ints("axes", 2)),
            Node("Clip", ["s"], ["c"], Float("min", -0.3f), Float("max", 0.6f)),
            Node("Squeeze", ["c"], ["q"], Ints("axes", 1)),
            Node("ReduceSum", ["q"], ["r"], Ints("axes", 2), Int("keepdims", 1)),
            Node("Mul", ["q", "r"], ["m"]),
            Node("Dropout", ["m"], ["d"], Float("ratio", 0.3f)),
            Node("Softmax", ["d"], ["y"], Int("axis", 2)),
        ],
        [], [Value("x", "batch", 3, 4)], [Value("y", "batch", 2, 6)], opset: 9);

    [Fact]
    public void Old_opset_nodes_are_rewritten_into_opset_17s_forms_and_compute_the_same()
    {
        var original = Opset9Model();
        var x = Tensor.RandomUniform([5, 3, 4], -1f, 1f, new RandomGenerator(8));
        var expected = OnnxRuntimeRunner.Run(original, x)[0];
        var model = DeepSharp.Onnx.Import(original, "opset9.onnx", new OnnxImportOptions { RecognizeLayers = false });
        var exported = DeepSharp.Onnx.Export(model);
        var proto = DeepSharp.Interop.Onnx.Proto.ModelProto.Parser.ParseFrom(exported);
        Assert.Equal(17, proto.OpsetImport.Single().Version);
        Assert.All(proto.Graph.Node.Where(n => n.OpType is "Unsqueeze" or "Squeeze" or "ReduceSum"), n => Assert.Equal(2, n.Input.Count));
        Assert.Equal(4, proto.Graph.Node.Single(n => n.OpType == "Slice").Input.Count); // data, starts, ends, axes
        float difference = OnnxRuntimeRunner.MaxDifference(OnnxRuntimeRunner.Run(exported, x)[0], expected);
        Assert.True(difference <= 1e-6f, $"max |difference| {difference}");
    }
}
