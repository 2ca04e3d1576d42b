using System.Text.Json.Nodes;

namespace DeepSharp;

public static partial class LayerRegistry
{
    /// <summary>SimpleRNN, LSTM and GRU, as Keras saves them.</summary>
    private static void RegisterRecurrentLayers()
    {
        Register(nameof(SimpleRNN), c =>
        {
            var r = new ConfigReader(c, nameof(SimpleRNN));
            return new SimpleRNN(r.Required<int>("units"), GateActivation(c, r, "activation"), r.Optional("use_bias", true),
                r.Initializer("kernel_initializer", new GlorotUniform()), r.Initializer("recurrent_initializer", new Orthogonal()),
                r.Initializer("bias_initializer", new Zeros()), r.Regularizer("kernel_regularizer"), r.Regularizer("recurrent_regularizer"),
                r.Regularizer("bias_regularizer"), r.Regularizer("activity_regularizer"), r.Optional("dropout", 0.0), r.Optional("recurrent_dropout", 0.0),
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
                r.Regularizer("bias_regularizer"), r.Regularizer("activity_regularizer"), r.Optional("dropout", 0.0), r.Optional("recurrent_dropout", 0.0),
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
                r.Regularizer("bias_regularizer"), r.Regularizer("activity_regularizer"), r.Optional("dropout", 0.0), r.Optional("recurrent_dropout", 0.0),
                r.Optional("return_sequences", false), r.Optional("return_state", false), r.Optional("go_backwards", false),
                r.Optional("reset_after", true), c["seed"]?.GetValue<long>(), r.Name, r.InputShape);
        });
    }

    /// <summary>A recurrent layer's activation; missing means the layer's own default (tanh, sigmoid), not linear.</summary>
    private static ActivationFunction? GateActivation(JsonObject config, ConfigReader reader, string key) =>
        config[key] is null ? null : reader.Activation(key);
}
