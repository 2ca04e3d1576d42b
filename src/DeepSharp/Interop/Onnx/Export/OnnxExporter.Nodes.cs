using NodeInput = DeepSharp.Interop.Onnx.OnnxOpsetAdapter.NodeInput;

namespace DeepSharp.Interop.Onnx;

// Imported ONNX nodes (OnnxNode layers) written back as themselves: the op, its attributes and its constant
// inputs (the layer's weights, as trained since), in the form of the export's opset. A node the importer laid
// out channels-last (a Conv on NHWC images) reads and writes ONNX's NCHW again; inputs of another element type
// than the value holds (an int64 index fed by a float) get a Cast.
internal sealed partial class OnnxExporter
{
    private OnnxExportValue WriteNode(OnnxNode node, OnnxExportValue[] inputs, string name)
    {
        var items = new List<NodeInput>();
        int next = 0;
        for (int i = 0; i < node.Slots.Count; i++)
        {
            var slot = node.Slots[i];
            items.Add(slot.Kind switch
            {
                OnnxNode.SlotKind.Input => new NodeInput(inputs[next++], null, node.InputTypes[i]),
                OnnxNode.SlotKind.Weight => NodeInput.Of(new OnnxConstant(node.SlotWeights[i]!.ToArray(), slot.Shape!, node.InputTypes[i])),
                _ => NodeInput.Absent,
            });
        }
        int rank = items.Count > 0 && items[0].Value is { } first ? first.Rank : items.Count > 0 && items[0].Constant is { } c ? c.Shape.Length : 0;
        OnnxAttributes attributes;
        try
        {
            (attributes, items) = OnnxOpsetAdapter.Adapt(node.OpType, node.Opset, _g.Opset, node.Attributes, items, rank);
        }
        catch (NotSupportedException e)
        {
            throw new Refusal(e.Message);
        }

        var names = new string?[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item.Value is { } value)
                names[i] = In(value, node.ChannelsLast && i == 0 && value.Rank == 4 ? OnnxExportLayouts.ChannelsFirst : null, item.Type);
            else if (item.Constant is { } constant)
            {
                string stem = i < node.Slots.Count && node.Slots[i].WeightName is { } weight ? $"{name}/{weight}" : $"{name}/input{i}";
                names[i] = _g.Initializer(stem, constant.Values, constant.Shape, constant.Type);
            }
        }
        var shape = node.ComputeOutputShape(inputs.Select(v => v.Shape).ToList());
        var outputs = new string[node.OutputTypes.Count];
        for (int o = 0; o < outputs.Length; o++) outputs[o] = _g.Unique(o == node.OutputIndex ? name : $"{name}_output{o}");
        _g.Node(node.OpType, name, names, outputs, attributes.Entries.Select(e => (e.Name, e.Value)).ToArray());
        var layout = node.ChannelsLast && shape.Rank == 3 ? OnnxExportLayouts.ChannelsFirst : null;
        return new OnnxExportValue(outputs[node.OutputIndex], shape, layout, node.OutputTypes[node.OutputIndex]);
    }
}
