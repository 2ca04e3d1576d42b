using System.Text.Json;

namespace DeepSharp.Tests.Layers;

/// <summary>
/// One case of Fixtures/rnn/recurrent.json (tools/make_rnn_fixtures.py): a recurrent layer's inputs and weights
/// in Keras' layout, its outputs (output, then final states), one upstream gradient per output, and the
/// gradient of every input, all from torch.nn.RNN / LSTM / GRU (and, for a GRU without reset_after, PyTorch ops
/// written out in Keras' form).
/// </summary>
internal sealed record RecurrentFixture(
    string Name, string Cell, int Units, bool ReturnSequences, bool ReturnState, bool GoBackwards,
    Dictionary<string, (int[] Shape, float[] Values)> Inputs, (int[] Shape, float[] Values)[] Outputs,
    (int[] Shape, float[] Values)[] Upstream, Dictionary<string, (int[] Shape, float[] Values)> Gradients)
{
    private const string File = "rnn/recurrent.json";

    private static JsonElement Root()
    {
        using var document = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", File)));
        return document.RootElement.Clone();
    }

    /// <summary>The case names, for a theory's member data.</summary>
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Root().GetProperty("cases").EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    public static RecurrentFixture Load(string name)
    {
        foreach (var c in Root().GetProperty("cases").EnumerateArray())
        {
            if (c.GetProperty("name").GetString() != name) continue;
            return new RecurrentFixture(name, c.GetProperty("cell").GetString()!, c.GetProperty("units").GetInt32(),
                c.GetProperty("return_sequences").GetBoolean(), c.GetProperty("return_state").GetBoolean(),
                c.GetProperty("go_backwards").GetBoolean(), Map(c.GetProperty("inputs")),
                c.GetProperty("outputs").EnumerateArray().Select(Read).ToArray(),
                c.GetProperty("upstream").EnumerateArray().Select(Read).ToArray(), Map(c.GetProperty("gradients")));
        }
        throw new ArgumentException($"No case '{name}' in {File}.");
    }

    private static Dictionary<string, (int[], float[])> Map(JsonElement e) =>
        e.EnumerateObject().ToDictionary(p => p.Name, p => Read(p.Value));

    private static (int[] Shape, float[] Values) Read(JsonElement e) =>
        (e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
         e.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray());

    /// <summary>Input <paramref name="key"/> as a tensor that requires grad.</summary>
    public Tensor Tensor(string key) => DeepSharp.Tensor.FromArray(Inputs[key].Values, Inputs[key].Shape).WithRequiresGrad();

    public bool Has(string key) => Inputs.ContainsKey(key);

    /// <summary>The layer the case describes, built for its input and holding its weights.</summary>
    public RecurrentLayer Layer()
    {
        RecurrentLayer layer = Cell switch
        {
            "simple_rnn" => new SimpleRNN(Units, returnSequences: ReturnSequences, returnState: ReturnState, goBackwards: GoBackwards),
            "lstm" => new LSTM(Units, returnSequences: ReturnSequences, returnState: ReturnState, goBackwards: GoBackwards),
            "gru_reset_before" => new GRU(Units, returnSequences: ReturnSequences, returnState: ReturnState, goBackwards: GoBackwards, resetAfter: false),
            _ => new GRU(Units, returnSequences: ReturnSequences, returnState: ReturnState, goBackwards: GoBackwards),
        };
        var x = Inputs["x"].Shape;
        layer.EnsureBuilt([x[1], x[2]]);
        layer.Kernel.CopyFrom(Inputs["kernel"].Values);
        layer.RecurrentKernel.CopyFrom(Inputs["recurrent_kernel"].Values);
        layer.Bias!.CopyFrom(Inputs["bias"].Values);
        return layer;
    }
}
