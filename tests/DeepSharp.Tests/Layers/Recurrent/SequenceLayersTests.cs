using DeepSharp.Tests.Ops;

namespace DeepSharp.Tests.Layers;

/// <summary>Embedding, Masking, TimeDistributed and Bidirectional: values, masks through Sequential, configs, saving.</summary>
public class SequenceLayersTests
{
    [Fact]
    public void Embedding_looks_up_rows_and_trains_them()
    {
        var layer = new Embedding(5, 3, embeddingsInitializer: new RandomUniform(seed: 1));
        var ids = Tensor.FromArray([0f, 4f, 2f, 2f, 1f, 0f], 2, 3);
        var y = layer.Call(ids);
        Assert.Equal([2, 3, 3], y.Shape.ToArray());
        var table = layer.Embeddings.ToArray();
        var values = y.ToArray();
        int[] expected = [0, 4, 2, 2, 1, 0];
        for (int i = 0; i < 6; i++)
            Assert.Equal(table.AsSpan(expected[i] * 3, 3).ToArray(), values.AsSpan(i * 3, 3).ToArray());
        y.Sum().Backward();
        // Row 2 was used twice, row 3 never.
        Assert.Equal([2f, 2f, 2f], layer.Embeddings.Grad!.ToArray().AsSpan(6, 3).ToArray());
        Assert.Equal([0f, 0f, 0f], layer.Embeddings.Grad!.ToArray().AsSpan(9, 3).ToArray());
        var e = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.FromArray([1f, 5f], 1, 2)));
        Assert.Contains("ids in [0, 5)", e.Message);
        Assert.Equal(5, LayerRoundTrip.Of(layer).InputDim);
    }

    [Fact]
    public void Embedding_with_mask_zero_makes_lstm_skip_padding()
    {
        var embedding = new Embedding(6, 4, embeddingsInitializer: new RandomUniform(seed: 2), maskZero: true, inputShape: [5]);
        var lstm = new LSTM(3, kernelInitializer: new GlorotUniform(seed: 3), recurrentInitializer: new Orthogonal(seed: 4));
        var model = new Sequential(embedding, lstm);
        var padded = model.Predict(Tensor.FromArray([3f, 1f, 5f, 0f, 0f, 2f, 2f, 2f, 2f, 1f], 2, 5)).ToArray();
        var shortRow = lstm.Call(embedding.Call(Tensor.FromArray([3f, 1f, 5f], 1, 3))).ToArray();
        OpAssert.Close(shortRow, padded.AsSpan(0, 3), 1e-6, 1e-6);
    }

    [Fact]
    public void Masking_skips_padded_steps_and_round_trips()
    {
        var gru = new GRU(4, returnSequences: true, kernelInitializer: new GlorotUniform(seed: 5), recurrentInitializer: new Orthogonal(seed: 6));
        var masking = new Masking(-1f, inputShape: [4, 2]);
        var model = new Sequential(masking, gru);
        // Sample 0: steps 1 and 3 are padding (all features -1).
        var x = Tensor.FromArray([0.5f, 0.2f, -1f, -1f, 0.3f, -0.4f, -1f, -1f, 0.1f, 0.9f, -1f, 0.7f, 0.2f, 0.2f, -0.3f, 0.6f], 2, 4, 2);
        var y = model.Predict(x).ToArray();
        var reference = gru.Call(Tensor.FromArray([0.5f, 0.2f, 0.3f, -0.4f], 1, 2, 2)).ToArray();
        OpAssert.Close(reference.AsSpan(0, 4), y.AsSpan(0, 4), 1e-6, 1e-6);
        OpAssert.Close(reference.AsSpan(4, 4), y.AsSpan(8, 4), 1e-6, 1e-6);
        Assert.All(y.AsSpan(4, 4).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(y.AsSpan(12, 4).ToArray(), v => Assert.Equal(0f, v));
        // Sample 1 has no padded step (a single -1 feature is not padding): the same as without the mask.
        var unmasked = gru.Call(x).ToArray();
        OpAssert.Close(unmasked.AsSpan(16, 16), y.AsSpan(16, 16), 1e-6, 1e-6);
        Assert.Equal(-1f, LayerRoundTrip.Of(masking).MaskValue);
    }

    [Fact]
    public void TimeDistributed_applies_one_layer_to_every_step()
    {
        var dense = new Dense(3, kernelInitializer: new GlorotUniform(seed: 7));
        var wrapper = new TimeDistributed(dense, inputShape: [4, 5]);
        var model = new Sequential(wrapper);
        Assert.Equal(5 * 3 + 3L, model.CountParams());
        Assert.Equal(new TensorShape(4, 3), model.ComputeOutputShape([4, 5]));
        var x = Tensor.RandomUniform([2, 4, 5], -1f, 1f, new RandomGenerator(8));
        var y = wrapper.Call(x);
        OpAssert.Close(dense.Call(x.Reshape(8, 5)).ToArray(), y.ToArray(), 1e-6, 1e-6);
        y.Sum().Backward();
        Assert.NotNull(dense.Kernel.Grad);
        var copy = LayerRoundTrip.Of(wrapper);
        Assert.IsType<Dense>(copy.Layer);
        Assert.Contains("at least 3 dimensions", Assert.Throws<ArgumentException>(() => new TimeDistributed(new Dense(2)).ComputeOutputShape([5])).Message);
    }

    [Theory]
    [InlineData("concat")]
    [InlineData("sum")]
    [InlineData("mul")]
    [InlineData("ave")]
    public void Bidirectional_merges_both_directions_in_time_order(string mode)
    {
        var layer = new Bidirectional(new LSTM(3, returnSequences: true, kernelInitializer: new GlorotUniform(seed: 9)), mode);
        var x = Tensor.RandomUniform([2, 5, 4], -1f, 1f, new RandomGenerator(10));
        var y = layer.Call(x);
        Assert.Equal(mode == "concat" ? [2, 5, 6] : new[] { 2, 5, 3 }, y.Shape.ToArray());
        Assert.True(layer.BackwardLayer.GoBackwards);
        Assert.StartsWith("backward_", layer.BackwardLayer.Name);
        var forward = layer.ForwardLayer.Call(x).ToArray();
        var backwardReversed = layer.BackwardLayer.Call(x).ToArray();
        var values = y.ToArray();
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 5; t++)
                for (int j = 0; j < 3; j++)
                {
                    float f = forward[(b * 5 + t) * 3 + j], k = backwardReversed[(b * 5 + (4 - t)) * 3 + j];
                    if (mode == "concat")
                    {
                        Assert.Equal(f, values[(b * 5 + t) * 6 + j]);
                        Assert.Equal(k, values[(b * 5 + t) * 6 + 3 + j]);
                    }
                    else
                    {
                        float expected = mode switch { "sum" => f + k, "mul" => f * k, _ => (f + k) * 0.5f };
                        Assert.Equal(expected, values[(b * 5 + t) * 3 + j], 6);
                    }
                }
    }

    [Fact]
    public void Bidirectional_trains_saves_and_loads()
    {
        var model = new Sequential(new Bidirectional(new GRU(4), inputShape: [6, 3]), new Dense(2, activation: "softmax"));
        Assert.Equal(2 * 3 * (3 * 4 + 4 * 4 + 2 * 4) + 8 * 2 + 2L, model.CountParams());
        model.Compile(new Adam(learningRate: 1e-2f), "sparse_categorical_crossentropy");
        var x = Tensor.RandomUniform([8, 6, 3], -1f, 1f, new RandomGenerator(11));
        var y = Tensor.FromArray([0f, 1f, 0f, 1f, 1f, 0f, 0f, 1f]);
        double first = model.TrainOnBatch(x, y)["loss"], last = first;
        for (int i = 0; i < 20; i++) last = model.TrainOnBatch(x, y)["loss"];
        Assert.True(last < first, $"loss went from {first} to {last}");
        var path = Path.Combine(Path.GetTempPath(), $"bidi-{Guid.NewGuid():N}.dsm");
        try
        {
            model.Save(path);
            Assert.Equal(model.Predict(x).ToArray(), Model.Load(path).Predict(x).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Contains("mergeMode", Assert.Throws<ArgumentException>(() => new Bidirectional(new LSTM(2), "max")).Message);
        var stacked = Assert.Throws<ArgumentException>(() =>
            new Sequential(new Bidirectional(new LSTM(4), name: "bi_first", inputShape: [6, 3]), new LSTM(4)));
        Assert.Contains("Set returnSequences: true on the LSTM wrapped by 'bi_first'", stacked.Message);
    }
}
