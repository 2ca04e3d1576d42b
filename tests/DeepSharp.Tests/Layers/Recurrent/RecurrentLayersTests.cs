using DeepSharp.Tests.Ops;

namespace DeepSharp.Tests.Layers;

/// <summary>SimpleRNN, LSTM and GRU against PyTorch (weights converted to Keras' layout), forward and backward.</summary>
public class RecurrentLayersTests
{
    public static TheoryData<string> FixtureCases => RecurrentFixture.Cases();

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void Layer_matches_pytorch_forward_and_backward(string name)
    {
        var f = RecurrentFixture.Load(name);
        var layer = f.Layer();
        var x = f.Tensor("x");
        Tensor[]? initial = f.Has("state0")
            ? (f.Has("state1") ? [f.Tensor("state0"), f.Tensor("state1")] : [f.Tensor("state0")])
            : null;
        var outputs = layer.CallWithState(x, initial);
        Assert.Equal(f.Outputs.Length, outputs.Length);
        Tensor? loss = null;
        for (int i = 0; i < outputs.Length; i++)
        {
            Assert.Equal(f.Outputs[i].Shape, outputs[i].Shape.ToArray());
            OpAssert.Close(f.Outputs[i].Values, outputs[i].ToArray(), 1e-4, 1e-5);
            var term = (outputs[i] * Tensor.FromArray(f.Upstream[i].Values, f.Upstream[i].Shape)).Sum();
            loss = loss is null ? term : loss + term;
        }
        loss!.Backward();
        OpAssert.Close(f.Gradients["x"].Values, x.Grad!.ToArray(), 1e-3, 1e-4);
        OpAssert.Close(f.Gradients["kernel"].Values, layer.Kernel.Grad!.ToArray(), 1e-3, 1e-4);
        OpAssert.Close(f.Gradients["recurrent_kernel"].Values, layer.RecurrentKernel.Grad!.ToArray(), 1e-3, 1e-4);
        OpAssert.Close(f.Gradients["bias"].Values, layer.Bias!.Grad!.ToArray(), 1e-3, 1e-4);
        for (int i = 0; initial is not null && i < initial.Length; i++)
            OpAssert.Close(f.Gradients["state" + i].Values, initial[i].Grad!.ToArray(), 1e-3, 1e-4);
    }
}
