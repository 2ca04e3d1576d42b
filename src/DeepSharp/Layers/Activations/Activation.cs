using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Applies an activation function, as Keras' <c>Activation</c> layer.</summary>
public sealed class Activation : Layer
{
    /// <summary>Creates the layer.</summary>
    public Activation(ActivationFunction activation, string? name = null, PartialShape? inputShape = null) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(activation);
        Function = activation;
    }

    /// <summary>The activation applied.</summary>
    public ActivationFunction Function { get; }

    /// <inheritdoc/>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => true;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => Function.Apply(inputs);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["activation"] = LayerConfigWriter.Activation(Function);
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Activation FromConfig(JsonObject config)
    {
        // Keras' Activation layer has no default function: a configuration without one is refused, never linear.
        var r = LayerConfigReader.ForLayer(config, nameof(Activation));
        return r.Finish(new Activation(r.Activation() ?? throw r.Missing("activation"), r.Name, r.InputShape));
    }
}
