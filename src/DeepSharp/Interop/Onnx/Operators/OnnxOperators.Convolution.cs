namespace DeepSharp.Interop.Onnx;

// Conv and ConvTranspose over 1, 2 or 3 spatial axes, with ONNX's pads, auto_pad, strides, dilations and
// groups, on DeepSharp's NHWC Conv2D and Conv2DTranspose: a 1-D convolution is a 2-D one of height 1, a 3-D
// one a sum of 2-D ones over the kernel's depth, groups are split along the channels.
// Inputs in ONNX's channels-first layout are moved to channels-last around the computation; a node the
// importer laid out channels-last (ChannelsLast) reads and writes NHWC directly.
internal static partial class OnnxOperators
{
    private static void AddConvolutions(Action<string, int, OnnxConverter> add)
    {
        add("Conv", 1, node =>
        {
            int group = (int)node.Attributes.Int("group", 1);
            node.Require(group >= 1, "Conv: group must be positive");
            var kernel = node.Attributes.Ints("kernel_shape")?.Select(k => (int)k).ToArray();
            OnnxWindows? fixedWindows = kernel is null ? null : OnnxWindows.Read(node, kernel, pooling: false);
            bool channelsLast = node.ChannelsLast;
            return One(x =>
            {
                var input = x.Required(0, "Conv");
                var weight = x.Required(1, "Conv");
                var windows = fixedWindows ?? OnnxWindows.Read(node, weight.Shape.Dims[2..].ToArray(), pooling: false);
                return OnnxConvolution.Conv(input, weight, x.Optional(2), windows, group, channelsLast);
            });
        });
        add("ConvTranspose", 1, node =>
        {
            int group = (int)node.Attributes.Int("group", 1);
            node.Require(group >= 1, "ConvTranspose: group must be positive");
            var outputPadding = node.Attributes.Ints("output_padding");
            var outputShape = node.Attributes.Ints("output_shape");
            bool channelsLast = node.ChannelsLast;
            return One(x =>
            {
                var weight = x.Required(1, "ConvTranspose");
                var windows = OnnxWindows.Read(node, weight.Shape.Dims[2..].ToArray(), pooling: false);
                return OnnxConvolution.ConvTranspose(x.Required(0, "ConvTranspose"), weight, x.Optional(2), windows, group, outputPadding, outputShape, channelsLast);
            });
        });
    }
}
