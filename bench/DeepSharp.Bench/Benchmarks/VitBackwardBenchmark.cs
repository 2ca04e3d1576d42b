using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// The vit's backward switches on against off (<see cref="VitSwitchBenchmark"/>): a Dense layer's backward in groups of
/// rows (<see cref="DenseRowGroups.Enabled"/>; off at start with <c>DEEPSHARP_DENSE_BACKWARD=products</c>: the gradient
/// pass, then the two whole products as one job) and a layer normalization's dx added into the residual stream's pending
/// gradient in its own sweep (<see cref="LayerNormKernel.AddIntoPending"/>; <c>DEEPSHARP_LAYER_NORM_GRADIENT=separate</c>);
/// GELU's derivative kept by the forward of its Dense layer (<see cref="DenseBiasActivation.GeluDerivativeInForward"/>;
/// <c>DEEPSHARP_GELU_DERIVATIVE=backward</c>). The row groups round the kernel gradients differently, so the two sides'
/// weights part after the first step; the step's work is the same.
/// </summary>
internal sealed class VitBackwardBenchmark() : VitSwitchBenchmark("vit-backward", "on vs off", "switches off",
    new(() => DenseRowGroups.Enabled, on => DenseRowGroups.Enabled = on),
    new(() => LayerNormKernel.AddIntoPending, on => LayerNormKernel.AddIntoPending = on),
    new(() => DenseBiasActivation.GeluDerivativeInForward, on => DenseBiasActivation.GeluDerivativeInForward = on));
