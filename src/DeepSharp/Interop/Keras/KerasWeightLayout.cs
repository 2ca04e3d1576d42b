using System.Text.RegularExpressions;

namespace DeepSharp;

/// <summary>
/// Where Keras keeps a layer's weights and which shapes they have. Keras 3's weights file names each layer
/// by its class in snake_case, made unique in the order of the model's layers ("dense", "dense_1"), and a
/// layer's variables are the datasets "0", "1", ... of its <c>vars</c> group in creation order; layers that
/// own layers keep theirs below them (<c>cell</c> for the recurrent layers, <c>forward_layer</c> and
/// <c>backward_layer</c>, <c>layer</c>). The order of a layer's variables is DeepSharp's order of its
/// weights (Dense kernel, bias; BatchNormalization gamma, beta, moving mean, moving variance; recurrent
/// kernel, recurrent kernel, bias, with GRU's bias [2, 3·units] when reset_after, [3·units] otherwise; SeparableConv2D
/// depthwise kernel, pointwise kernel, bias).
/// </summary>
internal static partial class KerasWeightLayout
{
    /// <summary>One <c>vars</c> group: its path below the weights file's root and the shapes of its arrays.</summary>
    internal readonly record struct Group(string Path, long[][] Shapes);

    /// <summary>
    /// The groups of <paramref name="layer"/> (built or not) at <paramref name="path"/> for a per-sample input
    /// of <paramref name="input"/>; their shapes, in order, are the layer's weights once built.
    /// </summary>
    internal static List<Group> Groups(Layer layer, TensorShape input, string path)
    {
        var groups = new List<Group>();
        Add(layer, input, path, groups);
        return groups;
    }

    private static void Add(Layer layer, TensorShape input, string path, List<Group> groups)
    {
        string owner = $"layer '{layer.Name}' ({layer.ClassName})";
        switch (layer)
        {
            case Dense d:
                groups.Add(new(path, WithBias([Last(input, owner), d.Units], d.UseBias, d.Units)));
                break;
            case Conv2D c:
                groups.Add(new(path, WithBias([c.KernelSize.Height, c.KernelSize.Width, Channels(input, owner) / c.Groups, c.Filters], c.UseBias, c.Filters)));
                break;
            case Conv1D c:
                groups.Add(new(path, WithBias([c.KernelSize, SequenceChannels(input, owner) / c.Groups, c.Filters], c.UseBias, c.Filters)));
                break;
            case DepthwiseConv2D d:
                {
                    long channels = Channels(input, owner);
                    groups.Add(new(path, WithBias([d.KernelSize.Height, d.KernelSize.Width, channels, d.DepthMultiplier], d.UseBias, (int)(channels * d.DepthMultiplier))));
                    break;
                }
            case SeparableConv2D s:
                {
                    long channels = Channels(input, owner);
                    long[][] kernels = [[s.KernelSize.Height, s.KernelSize.Width, channels, s.DepthMultiplier], [1, 1, channels * s.DepthMultiplier, s.Filters]];
                    groups.Add(new(path, s.UseBias ? [.. kernels, [s.Filters]] : kernels));
                    break;
                }
            case Conv2DTranspose t:
                groups.Add(new(path, WithBias([t.KernelSize.Height, t.KernelSize.Width, t.Filters, Channels(input, owner)], t.UseBias, t.Filters)));
                break;
            case Embedding e:
                groups.Add(new(path, [[e.InputDim, e.OutputDim]]));
                break;
            case BatchNormalization b:
                {
                    int rank = input.Rank + 1, axis = b.Axis < 0 ? b.Axis + rank : b.Axis;
                    if (axis <= 0 || axis >= rank) throw new FormatException($"{owner}: axis {b.Axis} is not a channel axis of inputs {Layer.FormatBatch(input)}.");
                    long c = input[axis - 1];
                    var shapes = new List<long[]>();
                    if (b.Scale) shapes.Add([c]);
                    if (b.Center) shapes.Add([c]);
                    shapes.Add([c]);
                    shapes.Add([c]);
                    groups.Add(new(path, [.. shapes]));
                    break;
                }
            case RecurrentLayer r:
                {
                    long gates = (r is LSTM ? 4 : r is GRU ? 3 : 1) * (long)r.Units;
                    var shapes = new List<long[]> { new[] { Last(input, owner), gates }, new[] { (long)r.Units, gates } };
                    // GRU: with reset_after, the input and the recurrent product each have their bias.
                    if (r.UseBias) shapes.Add(r is GRU { ResetAfter: true } ? [2, gates] : [gates]);
                    groups.Add(new(path, []));
                    groups.Add(new(path + "/cell", [.. shapes]));
                    break;
                }
            case Bidirectional b:
                groups.Add(new(path, []));
                Add(b.ForwardLayer, input, path + "/forward_layer", groups);
                Add(b.BackwardLayer, input, path + "/backward_layer", groups);
                break;
            case TimeDistributed t:
                if (input.Rank < 2) throw new FormatException($"{owner}: inputs {Layer.FormatBatch(input)} have no time axis.");
                groups.Add(new(path, []));
                Add(t.Layer, new TensorShape(input.Dims[1..]), path + "/layer", groups);
                break;
            case Model:
                throw new FormatException($"{owner}: models nested in a model are not read from Keras files yet.");
            default:
                if (KerasLayerKinds.Find(layer.ClassName) is null && layer is not Input)
                    throw new FormatException($"{owner}: DeepSharp does not know where Keras keeps this layer's weights.");
                groups.Add(new(path, []));
                break;
        }
    }

    private static long[][] WithBias(long[] kernel, bool useBias, int outputs) => useBias ? [kernel, [outputs]] : [kernel];

    private static long Last(TensorShape input, string owner) =>
        input.Rank >= 1 ? input[-1] : throw new FormatException($"{owner}: inputs {Layer.FormatBatch(input)} have no feature axis.");

    private static long Channels(TensorShape input, string owner) =>
        input.Rank == 3 ? input[2] : throw new FormatException($"{owner}: inputs {Layer.FormatBatch(input)} are not images (batch, height, width, channels).");

    private static long SequenceChannels(TensorShape input, string owner) =>
        input.Rank == 2 ? input[1] : throw new FormatException($"{owner}: inputs {Layer.FormatBatch(input)} are not sequences (batch, steps, channels).");

    /// <summary>All shapes of <paramref name="groups"/>, in order (Keras 2 lists them under the layer's name).</summary>
    internal static long[][] Flatten(List<Group> groups) => [.. groups.SelectMany(g => g.Shapes)];

    /// <summary>The unique paths Keras gives a model's layers, in the order of <paramref name="kerasClasses"/>.</summary>
    internal static List<string> LayerPaths(IEnumerable<string> kerasClasses)
    {
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        var paths = new List<string>();
        foreach (var kerasClass in kerasClasses)
        {
            string stem = SnakeCase(kerasClass);
            int count = used.TryGetValue(stem, out int seen) ? seen + 1 : 0;
            used[stem] = count;
            paths.Add("layers/" + (count == 0 ? stem : $"{stem}_{count}"));
        }
        return paths;
    }

    /// <summary>Keras' to_snake_case: "Conv2DTranspose" → "conv2d_transpose", "LeakyReLU" → "leaky_re_lu".</summary>
    internal static string SnakeCase(string name)
    {
        name = NonWord().Replace(name, "");
        name = WordStart().Replace(name, "$1_$2");
        return LowerUpper().Replace(name, "$1_$2").ToLowerInvariant();
    }

    [GeneratedRegex(@"\W+")]
    private static partial Regex NonWord();

    [GeneratedRegex("(.)([A-Z][a-z]+)")]
    private static partial Regex WordStart();

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex LowerUpper();
}
