namespace DeepSharp.Interop.Onnx;

// MaxPool and AveragePool over 1 to 3 spatial axes with ONNX's pads, auto_pad, ceil_mode, dilations and
// count_include_pad, and the global poolings. A 2-D pooling without dilation runs on DeepSharp's pooling
// kernels after explicit padding (with -inf for the maximum, zeros for the mean, whose divisor is then
// corrected to the number of values each window counts); the others take the maximum or sum of one strided
// view per kernel offset.
internal static partial class OnnxOperators
{
    private static void AddPooling(Action<string, int, OnnxConverter> add)
    {
        add("MaxPool", 1, node =>
        {
            var windows = OnnxWindows.Read(node, null, pooling: true);
            bool columnMajor = node.Attributes.Int("storage_order", 0) != 0;
            bool channelsLast = node.ChannelsLast;
            bool indices = node.OutputCount > 1;
            return x =>
            {
                var input = x.Required(0, "MaxPool");
                var y = OnnxPooling.Pool(input, windows, max: true, countPadding: false, channelsLast);
                return indices ? [y, OnnxPooling.MaxIndices(input, windows, channelsLast, columnMajor)] : [y];
            };
        });
        add("AveragePool", 1, node =>
        {
            var windows = OnnxWindows.Read(node, null, pooling: true);
            bool countPadding = node.Attributes.Int("count_include_pad", 0) != 0;
            bool channelsLast = node.ChannelsLast;
            return One(x => OnnxPooling.Pool(x.Required(0, "AveragePool"), windows, max: false, countPadding, channelsLast));
        });
        add("GlobalAveragePool", 1, node =>
        {
            bool channelsLast = node.ChannelsLast;
            return One(x => Ops.Mean(x.Required(0, "GlobalAveragePool"), OnnxPooling.SpatialAxes(x[0]!.Rank, channelsLast), keepDims: true));
        });
        add("GlobalMaxPool", 1, node =>
        {
            bool channelsLast = node.ChannelsLast;
            return One(x => Ops.Max(x.Required(0, "GlobalMaxPool"), OnnxPooling.SpatialAxes(x[0]!.Rank, channelsLast), keepDims: true));
        });
    }
}
