using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>Computes an ONNX node's outputs from its inputs (null for absent optional inputs), on DeepSharp's differentiable Ops.</summary>
internal delegate Tensor[] OnnxKernel(Tensor?[] inputs);

/// <summary>
/// Turns one ONNX node (its attributes, opset and types) into the kernel that computes it, checking the
/// attributes first: an attribute value the kernel cannot honour is refused here, at import, with
/// <see cref="OnnxNodeContext.Unsupported"/>, never while running.
/// </summary>
internal delegate OnnxKernel OnnxConverter(OnnxNodeContext node);

/// <summary>
/// The registry of converters, keyed by op type and the opset version from which each applies (as
/// onnx2torch's <c>add_converter(op, version)</c>): a model of opset 14 gets, for each op, the converter with
/// the highest version not above 14. One file per family of ops registers its converters.
/// </summary>
internal static partial class OnnxOperators
{
    private static readonly Dictionary<string, List<(int Since, OnnxConverter Converter)>> Table = Build();

    /// <summary>The converter for <paramref name="opType"/> in ONNX's own domain at <paramref name="opset"/>, or null when there is none.</summary>
    public static OnnxConverter? Find(string opType, int opset)
    {
        if (!Table.TryGetValue(opType, out var versions)) return null;
        OnnxConverter? found = null;
        int best = -1;
        foreach (var (since, converter) in versions)
            if (since <= opset && since > best)
            {
                best = since;
                found = converter;
            }
        return found;
    }

    /// <summary>
    /// The opset version from which the converter <see cref="Find"/> gives for <paramref name="opset"/> applies, or -1:
    /// an op reads alike in two opsets with the same answer (the registry holds a version wherever an op's inputs
    /// or attributes changed).
    /// </summary>
    public static int Since(string opType, int opset)
    {
        int best = -1;
        if (Table.TryGetValue(opType, out var versions))
            foreach (var (since, _) in versions)
                if (since <= opset && since > best) best = since;
        return best;
    }

    /// <summary>Whether any version of <paramref name="opType"/> has a converter.</summary>
    public static bool Knows(string opType) => Table.ContainsKey(opType);

    /// <summary>The op types with converters, sorted.</summary>
    public static IReadOnlyList<string> Supported => Table.Keys.Order(StringComparer.Ordinal).ToList();

    private static Dictionary<string, List<(int, OnnxConverter)>> Build()
    {
        var table = new Dictionary<string, List<(int, OnnxConverter)>>(StringComparer.Ordinal);
        void Add(string op, int since, OnnxConverter converter)
        {
            if (!table.TryGetValue(op, out var list)) table[op] = list = [];
            list.Add((since, converter));
        }
        AddElementwise(Add);
        AddActivations(Add);
        AddLinearAlgebra(Add);
        AddReductions(Add);
        AddShapes(Add);
        AddIndexing(Add);
        AddTensorCreation(Add);
        AddConvolutions(Add);
        AddPooling(Add);
        AddNormalization(Add);
        AddRecurrent(Add);
        return table;
    }

    /// <summary>A kernel of one output.</summary>
    private static OnnxKernel One(Func<Tensor?[], Tensor> compute) => inputs => [compute(inputs)];
}
