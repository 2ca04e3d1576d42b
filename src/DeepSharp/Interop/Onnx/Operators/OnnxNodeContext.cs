using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>What a converter knows about the node it converts.</summary>
internal sealed class OnnxNodeContext
{
    /// <summary>The node's name.</summary>
    public required string Name { get; init; }

    /// <summary>The op type.</summary>
    public required string OpType { get; init; }

    /// <summary>The opset version of the model.</summary>
    public required int Opset { get; init; }

    /// <summary>The node's attributes.</summary>
    public required OnnxAttributes Attributes { get; init; }

    /// <summary>The element type of each input slot (Undefined for an absent optional input).</summary>
    public required DataType[] InputTypes { get; init; }

    /// <summary>The element type of each output.</summary>
    public required DataType[] OutputTypes { get; init; }

    /// <summary>
    /// Whether the importer has laid out the node's image inputs and outputs channels-last (NHWC), as Keras
    /// does; spatial ops then read and write that layout instead of ONNX's NCHW.
    /// </summary>
    public bool ChannelsLast { get; init; }

    /// <summary>The number of input slots (absent ones included).</summary>
    public int InputCount => InputTypes.Length;

    /// <summary>The number of outputs.</summary>
    public int OutputCount => OutputTypes.Length;

    /// <summary>Whether input slot <paramref name="index"/> is given.</summary>
    public bool Has(int index) => index < InputTypes.Length && InputTypes[index] != DataType.Undefined;

    /// <summary>The exception that refuses the node for <paramref name="reason"/>.</summary>
    public NotSupportedException Unsupported(string reason) => new(reason);

    /// <summary>Refuses the node unless <paramref name="condition"/> holds.</summary>
    public void Require(bool condition, string reason)
    {
        if (!condition) throw Unsupported(reason);
    }
}
