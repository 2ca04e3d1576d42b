using Google.Protobuf;
using DeepSharp.Interop.Onnx.Proto;

namespace DeepSharp.Tests.Interop.Onnx;

/// <summary>Small ONNX models written in the tests, through ONNX's protobuf classes.</summary>
internal static class OnnxModels
{
    public static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes) =>
        Node(op, op.ToLowerInvariant(), inputs, outputs, attributes);

    public static NodeProto Node(string op, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>A float32 initializer stored as raw bytes.</summary>
    public static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        t.RawData = ByteString.CopyFrom(bytes);
        return t;
    }

    /// <summary>An int64 initializer stored in int64_data.</summary>
    public static TensorProto Longs(string name, long[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.AddRange(dims);
        t.Int64Data.AddRange(values);
        return t;
    }

    /// <summary>A float tensor value with dimensions that are sizes (int) or names (string).</summary>
    public static ValueInfoProto Value(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string symbol ? new TensorShapeProto.Types.Dimension { DimParam = symbol } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    /// <summary>The bytes of a model of one graph.</summary>
    public static byte[] Model(NodeProto[] nodes, TensorProto[] initializers, ValueInfoProto[] inputs, ValueInfoProto[] outputs, int opset = 14)
    {
        var graph = new GraphProto { Name = "test" };
        graph.Node.AddRange(nodes);
        graph.Initializer.AddRange(initializers);
        graph.Input.AddRange(inputs);
        graph.Output.AddRange(outputs);
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "DeepSharp.Tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }

    /// <summary>Dense(4 → 3) with a ReLU and a softmax, as MatMul + Add: a small model to damage.</summary>
    public static byte[] SmallClassifier()
    {
        var rng = new Random(5);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        return Model(
            [
                Node("MatMul", "dense", ["x", "w"], ["h"]),
                Node("Add", "bias", ["h", "b"], ["z"]),
                Node("Relu", "relu", ["z"], ["r"]),
                Node("Gemm", "out", ["r", "w2", "b2"], ["logits"], Int("transB", 1)),
                Node("Softmax", "softmax", ["logits"], ["y"], Int("axis", 1)),
            ],
            [Floats("w", Values(12), 4, 3), Floats("b", Values(3), 3), Floats("w2", Values(6), 2, 3), Floats("b2", Values(2), 2)],
            [Value("x", "batch", 4)], [Value("y", "batch", 2)]);
    }
}
