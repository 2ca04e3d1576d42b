using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>
/// The activations a recurrent layer may use inside its fused gate pass (Keras' names: tanh, sigmoid, relu,
/// linear, hard_sigmoid): the choice a layer makes, mapped by Ops onto the kernels' gate functions.
/// </summary>
internal enum GateActivation
{
    Tanh,
    Sigmoid,
    Relu,
    Linear,
    HardSigmoid,
}

/// <summary>Names and kernel counterparts of <see cref="GateActivation"/>.</summary>
internal static class GateActivations
{
    /// <summary>The kind for a Keras activation name, or null when a gate pass cannot run it.</summary>
    internal static GateActivation? FromName(string name) => name switch
    {
        "tanh" => GateActivation.Tanh,
        "sigmoid" => GateActivation.Sigmoid,
        "relu" => GateActivation.Relu,
        "linear" => GateActivation.Linear,
        "hard_sigmoid" => GateActivation.HardSigmoid,
        _ => null,
    };

    /// <summary>The gate function the kernels run for <paramref name="activation"/>.</summary>
    internal static GateFunctionKind ToKernel(this GateActivation activation) => activation switch
    {
        GateActivation.Tanh => GateFunctionKind.Tanh,
        GateActivation.Sigmoid => GateFunctionKind.Sigmoid,
        GateActivation.Relu => GateFunctionKind.Relu,
        GateActivation.HardSigmoid => GateFunctionKind.HardSigmoid,
        _ => GateFunctionKind.Linear,
    };
}
