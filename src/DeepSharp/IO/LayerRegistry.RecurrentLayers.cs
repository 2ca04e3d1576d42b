using System.Text.Json.Nodes;

namespace DeepSharp;

public static partial class LayerRegistry
{
    /// <summary>SimpleRNN, LSTM, GRU and the sequence layers around them, as Keras saves them.</summary>
    private static void RegisterRecurrentLayers()
    {
        Register(nameof(SimpleRNN), c =>
        {
            var r = new ConfigReader(c, nameof(SimpleRNN));
            return new SimpleRNN(r.Required<int>("units"), GateActivation(c, r, "activation"), r.Optional("use_bias", true),
                r.Initializer("kernel_initializer", new GlorotUniform()), r.Initializer("recurrent_initializer", new Orthogonal()),
                r.Initializer("bias_initializer", new Zeros()), r.Regularizer("kernel_regularizer"), r.Regularizer("recurrent_regularizer"),
                r.Regularizer("bias_regularizer"), r.Regularizer("activity_regularizer"), r.Optional("dropout", 0f), r.Optional("recurrent_dropout", 0f),
                r.Optional("return_sequences", false), r.Optional("return_state", false), r.Optional("go_backwards", false),
                c["seed"]?.GetValue<long>(), r.Name, r.InputShape);
        });
        Register(nameof(LSTM), c =>
        {
            var r = new ConfigReader(c, nameof(LSTM));
            return new LSTM(r.Required<int>("units"), GateActivation(c, r, "activation"), GateActivation(c, r, "recurrent_activation"),
                r.Optional("use_bias", true), r.Initializer("kernel_initializer", new GlorotUniform()),
                r.Initializer("recurrent_initializer", new Orthogonal()), r.Initializer("bias_initializer", new Zeros()),
                r.Optional("unit_forget_bias", true), r.Regularizer("kernel_regularizer"), r.Regularizer("recurrent_regularizer"),
                r.Regularizer("bias_regularizer"), r.Regularizer("activity_regularizer"), r.Optional("dropout", 0f), r.Optional("recurrent_dropout", 0f),
                r.Optional("return_sequences", false), r.Optional("return_state", false), r.Optional("go_backwards", false),
                c["seed"]?.GetValue<long>(), r.Name, r.InputShape);
        });
        Register(nameof(GRU), c =>
        {
            var r = new ConfigReader(c, nameof(GRU));
            return new GRU(r.Required<int>("units"), GateActivation(c, r, "activation"), GateActivation(c, r, "recurrent_activation"),
                r.Optional("use_bias", true), r.Initializer("kernel_initializer", new GlorotUniform()),
                r.Initializer("recurrent_initializer", new Orthogonal()), r.Initializer("bias_initializer", new Zeros()),
                r.Regularizer("kernel_regularizer"), r.Regularizer("recurrent_regularizer"),
                r.Regularizer("bias_regularizer"), r.Regularizer("activity_regularizer"), r.Optional("dropout", 0f), r.Optional("recurrent_dropout", 0f),
                r.Optional("return_sequences", false), r.Optional("return_state", false), r.Optional("go_backwards", false),
                r.Optional("reset_after", true), c["seed"]?.GetValue<long>(), r.Name, r.InputShape);
        });
        Register(nameof(Masking), c =>
        {
            var r = new ConfigReader(c, nameof(Masking));
            return new Masking(r.Optional("mask_value", 0f), r.Name, r.InputShape);
        });
        Register(nameof(Embedding), c =>
        {
            var r = new ConfigReader(c, nameof(Embedding));
            return new Embedding(r.Required<int>("input_dim"), r.Required<int>("output_dim"),
                r.Initializer("embeddings_initializer", new RandomUniform()), r.Regularizer("embeddings_regularizer"),
                r.Optional("mask_zero", false), r.Name, r.InputShape);
        });
        Register(nameof(TimeDistributed), c =>
        {
            var r = new ConfigReader(c, nameof(TimeDistributed));
            return new TimeDistributed(Create(Inner(c, "layer", nameof(TimeDistributed))), r.Name, r.InputShape);
        });
        Register(nameof(Bidirectional), c =>
        {
            var r = new ConfigReader(c, nameof(Bidirectional));
            var forward = Create(Inner(c, "layer", nameof(Bidirectional))) as RecurrentLayer
                ?? throw new FormatException("Bidirectional: the saved 'layer' is not a recurrent layer.");
            var backward = c["backward_layer"] is JsonObject b ? Create(b) as RecurrentLayer : null;
            return new Bidirectional(forward, r.Optional("merge_mode", "concat"), backward, r.Name, r.InputShape);
        });
    }

    private static JsonObject Inner(JsonObject config, string key, string owner) =>
        config[key] as JsonObject ?? throw new FormatException($"{owner}: the saved configuration has no '{key}'.");

    /// <summary>A recurrent layer's activation; missing means the layer's own default (tanh, sigmoid), not linear.</summary>
    private static ActivationFunction? GateActivation(JsonObject config, ConfigReader reader, string key) =>
        config[key] is null ? null : reader.Activation(key);
}
