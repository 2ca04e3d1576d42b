using System.Text.Json.Nodes;
using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Layers;

/// <summary>Recurrent layers: Keras' shapes and messages, masks, dropout, configuration round trips, saving, allocation.</summary>
public class RecurrentLayerBehaviourTests
{
    [Fact]
    public void Stacked_lstm_without_return_sequences_is_refused_naming_both_layers_and_the_fix()
    {
        var first = new LSTM(64, inputShape: [28, 28], name: "encoder");
        var second = new LSTM(64, name: "decoder");
        var e = Assert.Throws<ArgumentException>(() => new Sequential(first, second, new Dense(10, activation: "softmax")));
        Assert.Contains("'encoder' (LSTM)", e.Message);
        Assert.Contains("'decoder' (LSTM)", e.Message);
        Assert.Contains("[batch, 64]", e.Message);
        Assert.Contains("(None, 64)", e.Message);
        Assert.Contains("3-D input [batch, timesteps, features]", e.Message);
        Assert.Contains("Set returnSequences: true on 'encoder'", e.Message);
    }

    [Fact]
    public void Stacked_lstm_with_return_sequences_builds_with_keras_parameter_counts()
    {
        var model = new Sequential(new LSTM(64, returnSequences: true, inputShape: [28, 28]), new LSTM(64), new Dense(10, activation: "softmax"));
        Assert.Equal([23_808L, 33_024L, 650L], model.Layers.Select(l => l.CountParams()).ToArray());
        Assert.Equal(new TensorShape(10), model.ComputeOutputShape([28, 28]));
        Assert.Equal(new TensorShape(28, 64), model.Layers[0].ComputeOutputShape([28, 28]));
        Assert.Equal(9 * 32 + 32 * 32 + 32L, new SimpleRNN(32).Also(l => l.EnsureBuilt([5, 9])).CountParams());
        Assert.Equal(3 * (9 * 32 + 32 * 32 + 2 * 32L), new GRU(32).Also(l => l.EnsureBuilt([5, 9])).CountParams());
    }

    [Fact]
    public void Two_dimensional_input_gets_a_clear_message()
    {
        var layer = new GRU(4, name: "gru_2d");
        var e = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Zeros(2, 3)));
        Assert.Contains("'gru_2d' (GRU) expects 3-D input [batch, timesteps, features]", e.Message);
        Assert.Contains("[batch, 3]", e.Message);
    }

    [Fact]
    public void Zero_length_sequence_gets_a_clear_message()
    {
        var layer = new SimpleRNN(4, name: "rnn_empty");
        var e = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Zeros(2, 0, 3)));
        Assert.Contains("'rnn_empty' (SimpleRNN)", e.Message);
        Assert.Contains("zero time steps", e.Message);
        // A layer built on longer sequences refuses an empty one too, in the op.
        var built = new LSTM(4, name: "lstm_empty");
        built.Call(Tensor.Zeros(2, 5, 3));
        var e2 = Assert.ThrowsAny<ArgumentException>(() => built.Call(Tensor.Zeros(2, 0, 3)));
        Assert.Contains("zero time steps", e2.Message);
    }

    [Fact]
    public void Mismatched_initial_states_get_clear_messages()
    {
        var layer = new LSTM(4, name: "lstm_state");
        var x = Tensor.Zeros(2, 5, 3);
        var wrongShape = Assert.Throws<ArgumentException>(() => layer.CallWithState(x, [Tensor.Zeros(3, 4), Tensor.Zeros(2, 4)]));
        Assert.Contains("'lstm_state' (LSTM)", wrongShape.Message);
        Assert.Contains("[batch, units] = (2, 4)", wrongShape.Message);
        Assert.Contains("got (3, 4)", wrongShape.Message);
        var wrongCell = Assert.Throws<ArgumentException>(() => layer.CallWithState(x, [Tensor.Zeros(2, 4), Tensor.Zeros(2, 5)]));
        Assert.Contains("initial cell state", wrongCell.Message);
        var wrongCount = Assert.Throws<ArgumentException>(() => layer.CallWithState(x, [Tensor.Zeros(2, 4)]));
        Assert.Contains("takes 2 initial state tensors (h, c)", wrongCount.Message);
        Assert.Contains("got 1", wrongCount.Message);
    }

    [Fact]
    public void Built_layer_accepts_other_sequence_lengths_but_not_other_feature_counts()
    {
        var layer = new GRU(4, name: "gru_lengths");
        Assert.Equal([2, 4], layer.Call(Tensor.Zeros(2, 5, 3)).Shape.ToArray());
        Assert.Equal([2, 4], layer.Call(Tensor.Zeros(2, 9, 3)).Shape.ToArray());
        var e = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Zeros(2, 5, 4)));
        Assert.Contains("built for input shape (None, 5, 3)", e.Message);
    }

    [Fact]
    public void Arguments_are_validated_with_keras_names()
    {
        Assert.Contains("units", Assert.Throws<ArgumentOutOfRangeException>(() => new LSTM(0)).Message);
        Assert.Contains("dropout", Assert.Throws<ArgumentOutOfRangeException>(() => new GRU(4, dropout: 1.0)).Message);
        Assert.Contains("recurrentDropout", Assert.Throws<ArgumentOutOfRangeException>(() => new SimpleRNN(4, recurrentDropout: -0.1)).Message);
        Assert.Contains("'softmax'", Assert.Throws<ArgumentException>(() => new LSTM(4, activation: "softmax")).Message);
    }

    [Fact]
    public void Lstm_forget_bias_starts_at_one_unless_disabled()
    {
        var lstm = new LSTM(3);
        lstm.EnsureBuilt([4, 2]);
        Assert.Equal([0f, 0f, 0f, 1f, 1f, 1f, 0f, 0f, 0f, 0f, 0f, 0f], lstm.Bias!.ToArray());
        var plain = new LSTM(3, unitForgetBias: false);
        plain.EnsureBuilt([4, 2]);
        Assert.All(plain.Bias!.ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal([2, 9], new GRU(3).Also(l => l.EnsureBuilt([4, 2])).Bias!.Shape.ToArray());
    }

    [Fact]
    public void Masked_steps_keep_the_state_and_output_zeros()
    {
        var layer = new LSTM(5, returnSequences: true, returnState: true, kernelInitializer: new GlorotUniform(seed: 1),
            recurrentInitializer: new Orthogonal(seed: 2));
        var x = Tensor.RandomUniform([2, 6, 3], -1f, 1f, new RandomGenerator(3));
        // Row 0 masks steps 2 and 5; row 1 masks nothing.
        var mask = Tensor.FromArray([1f, 1f, 0f, 1f, 1f, 0f, 1f, 1f, 1f, 1f, 1f, 1f], 2, 6);
        var outputs = layer.CallWithState(x, mask: mask);
        var sequence = outputs[0].ToArray();
        for (int j = 0; j < 5; j++)
        {
            Assert.Equal(0f, sequence[(0 * 6 + 2) * 5 + j]);
            Assert.Equal(0f, sequence[(0 * 6 + 5) * 5 + j]);
        }
        // Row 0 equals the unmasked run over its kept steps only (0, 1, 3, 4).
        var row0 = global::DeepSharp.Ops.Slice(x, 0, 0, 1);
        var kept = global::DeepSharp.Ops.Concat([row0.Slice(1, 0, 2), row0.Slice(1, 3, 5)], axis: 1);
        var reference = layer.CallWithState(kept);
        var expected = reference[0].ToArray();
        OpAssert.Close(expected.AsSpan(0, 10), sequence.AsSpan(0, 10), 1e-6, 1e-6);
        OpAssert.Close(expected.AsSpan(10, 10), sequence.AsSpan(15, 10), 1e-6, 1e-6);
        // Final states of row 0 are those after step 4 (step 5 is masked).
        OpAssert.Close(reference[1].ToArray(), outputs[1].ToArray().AsSpan(0, 5), 1e-6, 1e-6);
        OpAssert.Close(reference[2].ToArray(), outputs[2].ToArray().AsSpan(0, 5), 1e-6, 1e-6);
    }

    [Fact]
    public void Dropout_is_active_in_training_only()
    {
        var layer = new GRU(6, dropout: 0.5, recurrentDropout: 0.5, seed: 4, returnSequences: true);
        var x = Tensor.RandomUniform([3, 5, 4], -1f, 1f, new RandomGenerator(5));
        var inference1 = layer.Call(x).ToArray();
        var inference2 = layer.Call(x).ToArray();
        Assert.Equal(inference1, inference2);
        var training = layer.Call(x, training: true).ToArray();
        Assert.NotEqual(inference1, training);
        Assert.All(training, v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("simple_rnn")]
    public void Configuration_round_trips_through_the_registry(string kind)
    {
        RecurrentLayer layer = kind switch
        {
            "lstm" => new LSTM(7, activation: "relu", recurrentActivation: "hard_sigmoid", useBias: false, unitForgetBias: false,
                kernelRegularizer: new L2(0.01f), dropout: 0.25, recurrentDropout: 0.125, returnSequences: true, returnState: true,
                goBackwards: true, seed: 9, name: "rt_lstm", inputShape: [5, 3]),
            "gru" => new GRU(7, recurrentRegularizer: new L1(0.02f), biasRegularizer: new L2(0.5f), goBackwards: true, name: "rt_gru"),
            _ => new SimpleRNN(7, activation: "sigmoid", biasInitializer: new Ones(), returnSequences: true, name: "rt_rnn"),
        };
        RecurrentLayer copy = layer switch
        {
            LSTM l => LayerRoundTrip.Of(l),
            GRU g => LayerRoundTrip.Of(g),
            _ => LayerRoundTrip.Of((SimpleRNN)layer),
        };
        Assert.Equal(layer.Units, copy.Units);
        Assert.Equal(layer.Activation.Name, copy.Activation.Name);
        Assert.Equal(layer.RecurrentActivation.Name, copy.RecurrentActivation.Name);
        Assert.Equal(layer.GoBackwards, copy.GoBackwards);
        // Keras' keys, so a Keras user reads the file.
        var config = layer.GetConfig();
        foreach (var key in new[] { "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "dropout",
                     "recurrent_dropout", "return_sequences", "return_state", "go_backwards" })
            Assert.True(config.ContainsKey(key), key);
        var missing = new JsonObject { ["class_name"] = layer.ClassName, ["config"] = new JsonObject { ["units"] = 3 } };
        var defaults = Assert.IsAssignableFrom<RecurrentLayer>(LayerRegistry.Create(missing));
        Assert.Equal("tanh", defaults.Activation.Name);
    }

    [Fact]
    public void Saved_model_predicts_the_same_after_loading()
    {
        var model = new Sequential(new GRU(8, returnSequences: true, inputShape: [6, 4], seed: 1), new LSTM(5, goBackwards: true),
            new Dense(3, activation: "softmax"));
        var x = Tensor.RandomUniform([4, 6, 4], -1f, 1f, new RandomGenerator(7));
        var before = model.Predict(x).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"rnn-{Guid.NewGuid():N}.dsm");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.Equal(before, loaded.Predict(x).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Stacked_lstm_learns_and_a_steady_training_step_allocates_nothing()
    {
        var model = new Sequential(new LSTM(16, returnSequences: true, inputShape: [8, 5]), new LSTM(16), new Dense(2, activation: "softmax"));
        model.Compile(new Adam(learningRate: 1e-2f), "sparse_categorical_crossentropy");
        // The class is whether the first feature summed over time is positive: it needs the whole sequence.
        var x = Tensor.RandomUniform([64, 8, 5], -1f, 1f, new RandomGenerator(8));
        var values = x.ToArray();
        var labels = new float[64];
        for (int b = 0; b < 64; b++)
        {
            float sum = 0;
            for (int t = 0; t < 8; t++) sum += values[(b * 8 + t) * 5];
            labels[b] = sum > 0 ? 1 : 0;
        }
        var y = Tensor.FromArray(labels);
        double first = model.TrainOnBatch(x, y)["loss"], last = first;
        for (int i = 0; i < 60; i++) last = model.TrainOnBatch(x, y)["loss"];
        Assert.True(last < first * 0.5, $"loss went from {first} to {last}");

        Assert.Equal(0, SteadyStateAllocation.FewestBytes(() => model.TrainOnBatch(x, y), rounds: 6, stepsPerRound: 10));
    }
}

internal static class LayerTestExtensions
{
    /// <summary>Runs <paramref name="action"/> on <paramref name="value"/> and returns it (for one-line set-ups).</summary>
    public static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}
