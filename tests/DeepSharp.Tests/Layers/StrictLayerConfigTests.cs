using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Layers;

/// <summary>The normalization and attention layers read their saved configurations strictly, as every layer does.</summary>
public class StrictLayerConfigTests
{
    public static TheoryData<string> Layers =>
    [
        nameof(LayerNormalization), nameof(GroupNormalization), nameof(UnitNormalization),
        nameof(Attention), nameof(AdditiveAttention), nameof(MultiHeadAttention),
    ];

    private static Layer Make(string className) => className switch
    {
        nameof(LayerNormalization) => new LayerNormalization(name: "strict"),
        nameof(GroupNormalization) => new GroupNormalization(name: "strict"),
        nameof(UnitNormalization) => new UnitNormalization(name: "strict"),
        nameof(Attention) => new Attention(name: "strict"),
        nameof(AdditiveAttention) => new AdditiveAttention(name: "strict"),
        _ => new MultiHeadAttention(2, 4, name: "strict"),
    };

    private static FormatException Refused(string className, Action<JsonObject> change)
    {
        var config = Make(className).GetConfig();
        change(config);
        var saved = new JsonObject { ["class_name"] = className, ["config"] = config };
        return Assert.Throws<FormatException>(() => LayerRegistry.Create(saved));
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void An_unknown_key_is_refused_naming_the_layer_and_the_key(string className)
    {
        var e = Refused(className, c => c["bogus"] = 1);
        Assert.Contains($"{className} 'strict'", e.Message);
        Assert.Contains("unknown key 'bogus'", e.Message);
    }

    [Theory]
    [InlineData(nameof(LayerNormalization), "axis", "\"last\"")]
    [InlineData(nameof(LayerNormalization), "axis", "[1, \"2\"]")]
    [InlineData(nameof(UnitNormalization), "axis", "null")]
    [InlineData(nameof(GroupNormalization), "groups", "\"4\"")]
    [InlineData(nameof(Attention), "score_mode", "1")]
    [InlineData(nameof(MultiHeadAttention), "output_shape", "[4, 2]")]
    [InlineData(nameof(MultiHeadAttention), "attention_axes", "\"1\"")]
    public void A_value_of_the_wrong_type_is_refused_naming_the_key(string className, string key, string value)
    {
        var e = Refused(className, c => c[key] = JsonNode.Parse(value));
        Assert.Contains($"'{key}'", e.Message);
    }

    [Fact]
    public void Keras_forms_of_axes_and_output_shape_are_read()
    {
        var norm = LayerRegistry.Create((JsonObject)JsonNode.Parse("""{"class_name": "LayerNormalization", "config": {"name": "ln_list", "axis": [-1]}}""")!);
        Assert.Equal(new[] { -1 }, Assert.IsType<LayerNormalization>(norm).Axis);
        var mha = LayerRegistry.Create((JsonObject)JsonNode.Parse(
            """{"class_name": "MultiHeadAttention", "config": {"name": "mha_keras", "num_heads": 2, "key_dim": 3, "output_shape": [5], "attention_axes": [1]}}""")!);
        Assert.Equal(5, Assert.IsType<MultiHeadAttention>(mha).OutputShape);
    }
}
