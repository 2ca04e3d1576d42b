using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Layers;

/// <summary>Each layer's FromConfig, beside its GetConfig: a saved configuration that leaves a key out gets the constructor's default.</summary>
public class FromConfigTests
{
    private static JsonObject Config(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public void Missing_keys_take_the_defaults_the_constructors_declare()
    {
        var dense = Dense.FromConfig(Config("""{"name": "d", "units": 3}"""));
        var plain = new Dense(3);
        Assert.Equal(plain.UseBias, dense.UseBias);
        Assert.Same(plain.Activation, dense.Activation);
        Assert.IsType<GlorotUniform>(dense.KernelInitializer);
        Assert.IsType<Zeros>(dense.BiasInitializer);

        var conv = Conv2D.FromConfig(Config("""{"name": "c", "filters": 4, "kernel_size": 3}"""));
        Assert.Equal((new Size2D(1, 1), "valid", new Size2D(1, 1)), (conv.Strides, conv.Padding, conv.DilationRate));

        var pool = MaxPooling2D.FromConfig(Config("""{"name": "p", "pool_size": [3, 2]}"""));
        Assert.Equal(pool.PoolSize, pool.Strides);

        var lstm = LSTM.FromConfig(Config("""{"name": "l", "units": 5}"""));
        var defaultLstm = new LSTM(5);
        Assert.Equal(
            (defaultLstm.Activation.Name, defaultLstm.RecurrentActivation.Name, defaultLstm.UseBias, defaultLstm.UnitForgetBias, defaultLstm.DropoutRate, defaultLstm.ReturnSequences),
            (lstm.Activation.Name, lstm.RecurrentActivation.Name, lstm.UseBias, lstm.UnitForgetBias, lstm.DropoutRate, lstm.ReturnSequences));
        Assert.IsType<Orthogonal>(lstm.RecurrentInitializer);

        var norm = BatchNormalization.FromConfig(Config("""{"name": "n"}"""));
        var defaultNorm = new BatchNormalization();
        Assert.Equal((defaultNorm.Axis, defaultNorm.Momentum, defaultNorm.Epsilon, defaultNorm.Center, defaultNorm.Scale),
            (norm.Axis, norm.Momentum, norm.Epsilon, norm.Center, norm.Scale));
    }

    [Fact]
    public void The_registry_maps_class_names_to_FromConfig_and_takes_user_layers()
    {
        var dense = LayerRegistry.Create(Config("""{"class_name": "Dense", "config": {"name": "reg_dense", "units": 2, "use_bias": false}}"""));
        Assert.False(Assert.IsType<Dense>(dense).UseBias);
        var model = LayerRegistry.Create(Config("""{"class_name": "Sequential", "config": {"name": "reg_seq", "layers": [{"class_name": "Dense", "config": {"name": "reg_inner", "units": 2}}]}}"""));
        Assert.IsType<Dense>(Assert.IsType<Sequential>(model).Layers[0]);

        LayerRegistry.Register("ScaledIdentity", c => new Activation(Activations.Linear, c["name"]!.GetValue<string>()));
        var custom = LayerRegistry.Create(Config("""{"class_name": "ScaledIdentity", "config": {"name": "reg_custom"}}"""));
        Assert.Equal("reg_custom", custom.Name);
        var e = Assert.Throws<FormatException>(() => LayerRegistry.Create(Config("""{"class_name": "NoSuchLayer", "config": {}}""")));
        Assert.Contains("LayerRegistry.Register(\"NoSuchLayer\"", e.Message);
    }
}
