using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Layers;

using Ops = global::DeepSharp.Ops;

/// <summary>GRU with resetAfter: false (Keras' reset_after=False); its PyTorch fixtures run in RecurrentLayersTests.</summary>
public class GruResetBeforeTests
{
    [Fact]
    public void Has_one_bias_and_saves_its_form()
    {
        var gru = new GRU(4, resetAfter: false, name: "gru_before");
        gru.EnsureBuilt([6, 3]);
        Assert.Equal(new TensorShape(12), gru.Bias!.Shape);
        Assert.Equal(new TensorShape(3, 12), gru.Kernel.Shape);
        Assert.Equal(new TensorShape(4, 12), gru.RecurrentKernel.Shape);
        Assert.False(gru.GetConfig()["reset_after"]!.GetValue<bool>());
        Assert.False(LayerRoundTrip.Of(gru).ResetAfter);
        var keras = GRU.FromConfig((JsonObject)JsonNode.Parse("""{"name": "k", "units": 2, "reset_after": false}""")!);
        Assert.False(keras.ResetAfter);
        Assert.True(new GRU(2).ResetAfter);
    }

    [Fact]
    public void Differs_from_reset_after_only_through_the_candidate()
    {
        // With the reset gate pinned open (r = 1: a large reset bias) and no recurrent bias, both forms compute the same.
        var before = new GRU(3, resetAfter: false, returnSequences: true, kernelInitializer: new GlorotUniform(seed: 1), recurrentInitializer: new Orthogonal(seed: 2));
        var after = new GRU(3, resetAfter: true, returnSequences: true);
        var x = Tensor.RandomNormal([2, 5, 4], generator: new RandomGenerator(3));
        before.EnsureBuilt([5, 4]);
        after.EnsureBuilt([5, 4]);
        after.Kernel.CopyFrom(before.Kernel.ToArray());
        after.RecurrentKernel.CopyFrom(before.RecurrentKernel.ToArray());
        var bias = new float[9];
        for (int j = 3; j < 6; j++) bias[j] = 30f;
        before.Bias!.CopyFrom(bias);
        after.Bias!.CopyFrom(bias.Concat(new float[9]).ToArray());
        DeepSharp.Tests.Ops.OpAssert.Close(after.Call(x).ToArray(), before.Call(x).ToArray(), 1e-5, 1e-6);
        // Any other reset gate gives another candidate.
        before.Bias!.CopyFrom(new float[9]);
        after.Bias!.CopyFrom(new float[18]);
        Assert.NotEqual(after.Call(x).ToArray(), before.Call(x).ToArray());
    }

    [Fact]
    public void Masked_steps_keep_the_state_and_a_model_trains_saves_and_loads()
    {
        var model = new Sequential(
            new Embedding(6, 3, maskZero: true, inputShape: [5]),
            new GRU(4, resetAfter: false, recurrentDropout: 0.2, returnSequences: true),
            new GRU(3, resetAfter: false),
            new Dense(1));
        var ids = Tensor.FromArray([1f, 2f, 3f, 0f, 0f, 4f, 5f, 1f, 2f, 0f, 3f, 3f, 0f, 0f, 0f, 5f, 4f, 3f, 2f, 1f], 4, 5);
        // Masked steps keep the state: five steps of which the last two are masked give what the first three give.
        var gru = new GRU(4, resetAfter: false);
        var x = Tensor.RandomNormal([1, 5, 2], generator: new RandomGenerator(4));
        var masked = gru.CallWithState(x, mask: Tensor.FromArray([1f, 1f, 1f, 0f, 0f], 1, 5))[0].ToArray();
        DeepSharp.Tests.Ops.OpAssert.Close(gru.Call(Ops.Slice(x, 1, 0, 3)).ToArray(), masked, 1e-6, 1e-7);
        Assert.NotEqual(gru.Call(x).ToArray(), masked);
        model.Compile(new Adam(learningRate: 0.05f), "mse");
        var y = Tensor.FromArray([1f, -1f, 0.5f, 0f], 4, 1);
        double before = model.Evaluate(ids, y, verbose: 0).Loss;
        model.Fit(ids, y, batchSize: 4, epochs: 30, verbose: 0, seed: 3);
        Assert.True(model.Evaluate(ids, y, verbose: 0).Loss < before * 0.5);
        LayerRoundTrip.Saved(model, ids);
    }
}
