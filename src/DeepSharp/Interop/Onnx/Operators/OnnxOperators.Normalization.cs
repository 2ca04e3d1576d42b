namespace DeepSharp.Interop.Onnx;

// BatchNormalization (inference on DeepSharp's op; ONNX's training mode with its running statistics as
// extra outputs, composed), LayerNormalization, InstanceNormalization, and Dropout (the identity unless training_mode asks for a mask).
internal static partial class OnnxOperators
{
    private static void AddNormalization(Action<string, int, OnnxConverter> add)
    {
        add("BatchNormalization", 1, node =>
        {
            float epsilon = node.Attributes.Float("epsilon", 1e-5f);
            float momentum = node.Attributes.Float("momentum", 0.9f);
            node.Require(node.Attributes.Int("spatial", 1) != 0, "BatchNormalization with spatial=0 (per-position statistics) is not supported");
            bool training = node.Opset >= 14 ? node.Attributes.Int("training_mode", 0) != 0 : node.Opset < 7 ? node.Attributes.Int("is_test", 0) == 0 && node.OutputCount > 1 : node.OutputCount > 1;
            node.Require(epsilon > 0f, "BatchNormalization: epsilon must be positive");
            bool channelsLast = node.ChannelsLast;
            return x =>
            {
                var input = x.Required(0, "BatchNormalization");
                Tensor scale = x.Required(1, "BatchNormalization"), bias = x.Required(2, "BatchNormalization");
                Tensor mean = x.Required(3, "BatchNormalization"), variance = x.Required(4, "BatchNormalization");
                int axis = channelsLast ? -1 : 1;
                if (!training) return [Ops.BatchNormalization(input, mean, variance, scale, bias, training: false, epsilon: epsilon, axis: axis)];
                return BatchStatistics(input, scale, bias, mean, variance, epsilon, momentum, channelsLast);
            };
        });
        add("LayerNormalization", 17, node =>
        {
            long axis = node.Attributes.Int("axis", -1);
            float epsilon = node.Attributes.Float("epsilon", 1e-5f);
            node.Require(node.OutputCount == 1, "LayerNormalization's mean and inverse deviation outputs are not supported");
            return One(x =>
            {
                var input = x.Required(0, "LayerNormalization");
                int a = OnnxValues.Axis(axis, input.Rank, "LayerNormalization");
                var axes = Enumerable.Range(a, input.Rank - a).ToArray();
                var centered = Ops.Subtract(input, Ops.Mean(input, axes, keepDims: true));
                var deviation = Ops.Sqrt(Ops.Add(Ops.Mean(Ops.Square(centered), axes, keepDims: true), epsilon));
                var y = Ops.Multiply(Ops.Divide(centered, deviation), x.Required(1, "LayerNormalization"));
                return x.Optional(2) is { } b ? Ops.Add(y, b) : y;
            });
        });
        add("InstanceNormalization", 1, node =>
        {
            // Each sample's each channel normalized over its own spatial values, then scaled and shifted per channel.
            float epsilon = node.Attributes.Float("epsilon", 1e-5f);
            bool channelsLast = node.ChannelsLast;
            return One(x =>
            {
                var input = x.Required(0, "InstanceNormalization");
                if (input.Rank < 3) throw new ArgumentException($"InstanceNormalization: the input needs spatial axes; got {input.Shape}.");
                var axes = OnnxPooling.SpatialAxes(input.Rank, channelsLast);
                var centered = Ops.Subtract(input, Ops.Mean(input, axes, keepDims: true));
                var deviation = Ops.Sqrt(Ops.Add(Ops.Mean(Ops.Square(centered), axes, keepDims: true), epsilon));
                int channelAxis = channelsLast ? input.Rank - 1 : 1;
                var shape = Enumerable.Repeat(1, input.Rank).ToArray();
                shape[channelAxis] = input.Shape[channelAxis];
                var y = Ops.Multiply(Ops.Divide(centered, deviation), Ops.Reshape(x.Required(1, "InstanceNormalization"), shape));
                return Ops.Add(y, Ops.Reshape(x.Required(2, "InstanceNormalization"), shape));
            });
        });
        add("Dropout", 1, node =>
        {
            // Before opset 12 the ratio is an attribute and a model in inference never drops.
            bool masked = node.OutputCount > 1;
            return x =>
            {
                var input = x.Required(0, "Dropout");
                return masked ? [input, Tensor.Ones(input.Shape)] : [input];
            };
        });
        add("Dropout", 12, node =>
        {
            bool masked = node.OutputCount > 1;
            long? seed = node.Attributes.Has("seed") ? node.Attributes.Int("seed", 0) : null;
            var random = seed is { } s ? new RandomGenerator(s) : null;
            return x =>
            {
                var input = x.Required(0, "Dropout");
                float ratio = x.Optional(1) is { } r ? OnnxValues.Scalar(r, "Dropout's ratio") : 0.5f;
                bool training = x.Optional(2) is { } t && OnnxValues.Scalar(t, "Dropout's training_mode") != 0f;
                if (!training || ratio == 0f) return masked ? [input, Tensor.Ones(input.Shape)] : [input];
                if (!(ratio > 0f && ratio < 1f)) throw new ArgumentException($"Dropout: ratio must be in [0, 1); got {ratio}.");
                var mask = Ops.Greater(Tensor.RandomUniform(input.Shape, generator: random), ratio);
                var y = Ops.Multiply(Ops.Multiply(input, mask), 1f / (1f - ratio));
                return masked ? [y, mask] : [y];
            };
        });
    }

    /// <summary>ONNX's training-mode batch normalization: the batch's statistics normalize; the running ones are returned updated.</summary>
    private static Tensor[] BatchStatistics(Tensor x, Tensor scale, Tensor bias, Tensor mean, Tensor variance, float epsilon, float momentum, bool channelsLast)
    {
        int channelAxis = channelsLast ? x.Rank - 1 : 1;
        var axes = Enumerable.Range(0, x.Rank).Where(a => a != channelAxis).ToArray();
        var shape = Enumerable.Repeat(1, x.Rank).ToArray();
        shape[channelAxis] = x.Shape[channelAxis];
        var batchMean = Ops.Mean(x, axes, keepDims: true);
        var centered = Ops.Subtract(x, batchMean);
        var batchVariance = Ops.Mean(Ops.Square(centered), axes, keepDims: true);
        var y = Ops.Divide(centered, Ops.Sqrt(Ops.Add(batchVariance, epsilon)));
        y = Ops.Add(Ops.Multiply(y, Ops.Reshape(scale, shape)), Ops.Reshape(bias, shape));
        var runningMean = Ops.Add(Ops.Multiply(mean, momentum), Ops.Multiply(Ops.Reshape(batchMean, -1), 1f - momentum));
        var runningVariance = Ops.Add(Ops.Multiply(variance, momentum), Ops.Multiply(Ops.Reshape(batchVariance, -1), 1f - momentum));
        return [y, runningMean, runningVariance];
    }
}
