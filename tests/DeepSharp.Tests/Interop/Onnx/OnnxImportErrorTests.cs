using static DeepSharp.Tests.Interop.Onnx.OnnxModels;

namespace DeepSharp.Tests.Interop.Onnx;

/// <summary>Files that cannot be imported are refused with an <see cref="InvalidDataException"/> that says which file and why.</summary>
public class OnnxImportErrorTests
{
    [Fact]
    public void A_small_model_written_here_imports_and_computes_what_its_graph_says()
    {
        var model = DeepSharp.Onnx.Import(SmallClassifier(), "small.onnx");
        Assert.Equal("InputLayer Dense Dense", string.Join(" ", model.Layers.Select(l => l.ClassName)));
        var y = model.Predict(Tensor.RandomUniform([5, 4], generator: new RandomGenerator(2)));
        Assert.Equal(new TensorShape(5, 2), y.Shape);
        var sums = DeepSharp.Ops.Sum(y, 1).ToArray();
        Assert.All(sums, s => Assert.Equal(1f, s, 1e-6f));
    }

    [Fact]
    public void Every_unsupported_op_is_listed_with_its_node_before_anything_runs()
    {
        // The Reshape to 7 elements would fail if it ran; the refusal names the unsupported nodes instead.
        var bytes = Model(
            [
                Node("Reshape", "bad_reshape", ["x", "shape"], ["r"]),
                Node("NonMaxSuppression", "nms", ["r", "r"], ["n"]),
                new DeepSharp.Interop.Onnx.Proto.NodeProto { OpType = "FusedGemm", Domain = "com.microsoft", Name = "fused", Input = { "n" }, Output = { "f" } },
                Node("Relu", "fine", ["f"], ["y"]),
                Node("Unique", "unique", ["y"], ["u"]),
            ],
            [Longs("shape", [7], 1)], [Value("x", "batch", 4)], [Value("u", "batch", 4)]);
        var e = Assert.Throws<InvalidDataException>(() => DeepSharp.Onnx.Import(bytes, "exotic.onnx"));
        var unsupported = Assert.IsType<OnnxUnsupportedException>(e.InnerException);
        Assert.Equal(["NonMaxSuppression", "com.microsoft.FusedGemm", "Unique"], unsupported.Nodes.Select(n => n.OpType));
        Assert.Equal(["nms", "fused", "unique"], unsupported.Nodes.Select(n => n.NodeName));
        Assert.Contains("'exotic.onnx'", e.Message);
        Assert.Contains("nms", e.Message);
        Assert.Contains("com.microsoft.FusedGemm", e.Message);
    }

    [Fact]
    public void An_attribute_value_a_converter_cannot_honour_is_refused_as_unsupported()
    {
        var bytes = Model([Node("Pad", "wrap_pad", ["x", "pads"], ["y"], String("mode", "wrap"))],
            [Longs("pads", [0, 1, 0, 1], 4)], [Value("x", "batch", 4)], [Value("y", "batch", 6)]);
        var e = Assert.Throws<InvalidDataException>(() => DeepSharp.Onnx.Import(bytes, "pad.onnx"));
        var node = Assert.Single(Assert.IsType<OnnxUnsupportedException>(e.InnerException).Nodes);
        Assert.Equal("wrap_pad", node.NodeName);
        Assert.Contains("wrap", node.Reason);
    }

    [Fact]
    public void Bytes_that_are_not_a_model_are_refused_naming_the_file()
    {
        var e = Assert.Throws<InvalidDataException>(() => DeepSharp.Onnx.Import("this is not protobuf at all"u8, "notes.onnx"));
        Assert.Contains("'notes.onnx'", e.Message);
        var empty = Assert.Throws<InvalidDataException>(() => DeepSharp.Onnx.Import(ReadOnlySpan<byte>.Empty, "empty.onnx"));
        Assert.Contains("no graph", empty.Message);
    }

    [Fact]
    public void A_truncated_model_is_refused()
    {
        var bytes = SmallClassifier();
        var e = Assert.Throws<InvalidDataException>(() => DeepSharp.Onnx.Import(bytes.AsSpan(0, bytes.Length - 9), "cut.onnx"));
        Assert.Contains("'cut.onnx'", e.Message);
    }

    [Fact]
    public void An_initializer_whose_data_does_not_match_its_shape_is_refused_before_allocating_it()
    {
        var w = Floats("w", new float[12], 4, 3);
        w.Dims[0] = 4_000_000_000; // the header claims 12e9 values; the data holds 12
        var bytes = Model([Node("MatMul", ["x", "w"], ["y"])], [w], [Value("x", "batch", 4)], [Value("y", "batch", 3)]);
        var e = Assert.Throws<InvalidDataException>(() => DeepSharp.Onnx.Import(bytes, "huge.onnx"));
        Assert.Contains("initializer 'w'", e.Message);
        var small = Floats("w", new float[12], 4, 2);
        var mismatched = Model([Node("MatMul", ["x", "w"], ["y"])], [small], [Value("x", "batch", 4)], [Value("y", "batch", 3)]);
        Assert.Contains("needs 32 bytes of raw data; it has 48", Assert.Throws<InvalidDataException>(() => DeepSharp.Onnx.Import(mismatched, "w.onnx")).Message);
    }

    [Fact]
    public void A_node_reading_a_value_nobody_defines_is_refused()
    {
        var bytes = Model([Node("Relu", "r", ["ghost"], ["y"])], [], [Value("x", "batch", 4)], [Value("y", "batch", 4)]);
        var e = Assert.Throws<InvalidDataException>(() => DeepSharp.Onnx.Import(bytes, "ghost.onnx"));
        Assert.Contains("'ghost'", e.Message);
    }

    [Fact]
    public void A_graph_whose_shapes_do_not_fit_is_refused_naming_the_node()
    {
        var bytes = Model([Node("MatMul", "mm", ["x", "w"], ["y"])], [Floats("w", new float[6], 2, 3)], [Value("x", "batch", 4)], [Value("y", "batch", 3)]);
        var e = Assert.Throws<InvalidDataException>(() => DeepSharp.Onnx.Import(bytes, "mm.onnx"));
        Assert.Contains("node 'mm' (MatMul)", e.Message);
    }

    [Fact]
    public void Named_dimensions_besides_the_batch_need_the_input_shape()
    {
        var bytes = Model([Node("Relu", "r", ["x"], ["y"])], [], [Value("x", "batch", "steps", 3)], [Value("y", "batch", "steps", 3)]);
        var e = Assert.Throws<InvalidDataException>(() => DeepSharp.Onnx.Import(bytes, "seq.onnx"));
        Assert.Contains("InputShapes", e.Message);
        var model = DeepSharp.Onnx.Import(bytes, "seq.onnx", new OnnxImportOptions { InputShapes = new Dictionary<string, int[]> { ["x"] = [5, 3] } });
        Assert.Equal(new TensorShape(5, 3), model.Inputs[0].Shape);
    }

    [Fact]
    public void A_missing_file_is_a_FileNotFoundException()
    {
        var e = Assert.Throws<FileNotFoundException>(() => DeepSharp.Onnx.Load(Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.onnx")));
        Assert.Contains("does not exist", e.Message);
    }
}
