using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The keyword arguments of one recorded call beyond its input list, as Keras 3 records a call's <c>kwargs</c>: the
/// names of the tensors passed by keyword (a graph node's inputs hold them after the list, in this order) and the
/// attention flags. A functional model saves such a call as Keras 3 does, <c>{"args": [list], "kwargs": {...}}</c>,
/// with tensors as <c>[layer, call, output]</c> references; a call without keywords keeps the plain list.
/// </summary>
internal sealed class CallKeywords(int positional, string[] tensorNames, bool useCausalMask, bool returnAttentionScores)
{
    private const string CausalKey = "use_causal_mask", ScoresKey = "return_attention_scores";

    /// <summary>How many of the node's inputs are the list.</summary>
    public int Positional { get; } = positional;

    /// <summary>The keywords of the tensors after the list, in order.</summary>
    public string[] TensorNames { get; } = tensorNames;

    /// <summary>Keras' <c>use_causal_mask</c>.</summary>
    public bool UseCausalMask { get; } = useCausalMask;

    /// <summary>Keras' <c>return_attention_scores</c>: the call has a second output, the attention weights.</summary>
    public bool ReturnAttentionScores { get; } = returnAttentionScores;

    /// <summary>The call's outputs: one, or two with the scores.</summary>
    public int Outputs => ReturnAttentionScores ? 2 : 1;

    /// <summary>The keywords as a message names them.</summary>
    public string Describe() => string.Join(", ", TensorNames.Append(UseCausalMask ? CausalKey : null).Append(ReturnAttentionScores ? ScoresKey : null).OfType<string>());

    /// <summary>The saved form of a call: its list, then its keyword tensors (through <paramref name="reference"/>) and flags.</summary>
    public JsonObject Write(IReadOnlyList<SymbolicTensor> inputs, Func<SymbolicTensor, JsonNode> reference)
    {
        var kwargs = new JsonObject();
        for (int i = 0; i < TensorNames.Length; i++) kwargs[TensorNames[i]] = reference(inputs[Positional + i]);
        if (UseCausalMask) kwargs[CausalKey] = true;
        if (ReturnAttentionScores) kwargs[ScoresKey] = true;
        return new JsonObject
        {
            ["args"] = new JsonArray(inputs.Take(Positional).Select(i => (JsonNode?)reference(i)).ToArray()),
            ["kwargs"] = kwargs,
        };
    }

    /// <summary>
    /// Reads a saved call with keywords: the list's references, the keyword tensors' references by name, and the
    /// flags; a key that is neither a flag nor one of <paramref name="tensorKeys"/> is refused, naming it.
    /// </summary>
    public static (JsonArray Args, List<(string Name, JsonNode Reference)> Tensors, bool Causal, bool Scores) Read(
        JsonObject call, IReadOnlyCollection<string> tensorKeys, string at)
    {
        JsonArray? args = null;
        JsonObject? kwargs = null;
        foreach (var (key, value) in call)
        {
            if (key == "args") args = value as JsonArray ?? throw new FormatException($"{at}: 'args' is {ConfigReader.Found(value)}, not a list of tensor references.");
            else if (key == "kwargs") kwargs = value as JsonObject ?? throw new FormatException($"{at}: 'kwargs' is {ConfigReader.Found(value)}, not an object.");
            else throw new FormatException($"{at}: a saved call has '{key}'; it takes 'args' and 'kwargs'.");
        }
        if (args is null) throw new FormatException($"{at}: a saved call with keywords has no 'args'.");
        var tensors = new List<(string, JsonNode)>();
        bool causal = false, scores = false;
        foreach (var (key, value) in kwargs ?? [])
        {
            if (key is CausalKey or ScoresKey)
            {
                if (value is not JsonValue flag || flag.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                    throw new FormatException($"{at}: '{key}' is {ConfigReader.Found(value)}, not true or false.");
                if (key == CausalKey) causal = flag.GetValue<bool>();
                else scores = flag.GetValue<bool>();
            }
            else if (tensorKeys.Contains(key) && value is not null) tensors.Add((key, value));
            else if (!tensorKeys.Contains(key))
                throw new FormatException($"{at}: a saved call passes '{key}', which the layer does not take (it takes {string.Join(", ", tensorKeys.Append(CausalKey).Append(ScoresKey))}).");
        }
        return (args, tensors, causal, scores);
    }
}
