using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Layers;

/// <summary>The attention layers' PyTorch fixtures (tools/make_attention_fixtures.py).</summary>
internal static class AttentionFixture
{
    private const string File = "attention.json";

    /// <summary>The cases of <paramref name="op"/> in the fixture file.</summary>
    public static TheoryData<string, string> Cases(string op)
    {
        var data = new TheoryData<string, string>();
        foreach (var row in PyTorchFixture.Cases(File))
        {
            var name = (string)row[1];
            if (PyTorchFixture.Load(File, name).Op == op) data.Add(File, name);
        }
        return data;
    }

    /// <summary>
    /// Calls <paramref name="layer"/> on the case's inputs <paramref name="sequences"/> (indices into the case's
    /// inputs; an index may repeat, as [x, x] for self-attention), with its weights set from the case's inputs at
    /// <paramref name="weightInputs"/>, and compares the output and every gradient with PyTorch's.
    /// </summary>
    public static void Check(PyTorchFixture f, MergeLayer layer, int[] sequences, Func<IReadOnlyList<Tensor>> weights, int[] weightInputs) =>
        Check(f, sequences, weights, weightInputs, (arguments, _, training) => layer.Call(arguments, training));

    /// <summary>
    /// As <see cref="Check(PyTorchFixture, MergeLayer, int[], Func{IReadOnlyList{Tensor}}, int[])"/>, the layer called by
    /// <paramref name="call"/> (the sequences, all the case's inputs, training), for calls with masks.
    /// </summary>
    public static void Check(PyTorchFixture f, int[] sequences, Func<IReadOnlyList<Tensor>> weights, int[] weightInputs,
        Func<Tensor[], Tensor[], bool, Tensor> call)
    {
        var inputs = f.Inputs.Select((_, i) => f.Input(i)).ToArray();
        var arguments = sequences.Select(i => inputs[i]).ToArray();
        using (global::DeepSharp.Autograd.NoGrad()) call(arguments, inputs, false);
        var layerWeights = weights();
        Assert.Equal(weightInputs.Length, layerWeights.Count);
        for (int w = 0; w < weightInputs.Length; w++)
        {
            Assert.Equal(f.Inputs[weightInputs[w]].Shape, layerWeights[w].Shape.ToArray());
            layerWeights[w].CopyFrom(f.Inputs[weightInputs[w]].Values);
        }
        var y = call(arguments, inputs, true);
        Assert.Equal(f.Output.Shape, y.Shape.ToArray());
        OpAssert.Close(f.Output.Values, y.ToArray(), 1e-4, 1e-5);
        y.Backward(f.Upstream());
        foreach (int i in sequences.Distinct())
            OpAssert.Close(f.Gradients[i].Values, inputs[i].Grad!.ToArray(), 1e-4, 1e-5);
        for (int w = 0; w < weightInputs.Length; w++)
            OpAssert.Close(f.Gradients[weightInputs[w]].Values, layerWeights[w].Grad!.ToArray(), 1e-4, 1e-5);
    }
}
