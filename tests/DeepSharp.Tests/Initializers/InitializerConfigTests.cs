using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Initializers;

using Initializers = global::DeepSharp.Initializers;

/// <summary>Names, configurations and seeds of the initializers, as Keras' <c>get</c>, <c>get_config</c> and <c>seed</c>.</summary>
public class InitializerConfigTests
{
    private static readonly TensorShape Shape = [6, 5];

    private static float[] Draw(Initializer initializer, long seed)
    {
        var values = new float[Shape.Size];
        initializer.Fill(values, Shape, new RandomGenerator(seed));
        return values;
    }

    /// <summary>Every initializer with arguments other than its defaults, and a seed where it takes one.</summary>
    public static TheoryData<string> AllNames =>
    [
        "zeros", "ones", "constant", "random_uniform", "random_normal", "truncated_normal", "glorot_uniform",
        "glorot_normal", "he_uniform", "he_normal", "lecun_normal", "lecun_uniform", "variance_scaling",
        "orthogonal", "identity",
    ];

    private static Initializer Configured(string name) => name switch
    {
        "zeros" => new Zeros(),
        "ones" => new Ones(),
        "constant" => new Constant(0.25f),
        "random_uniform" => new RandomUniform(-0.5f, 1.5f, seed: 3),
        "random_normal" => new RandomNormal(0.5f, 2f, seed: 4),
        "truncated_normal" => new TruncatedNormal(-1f, 0.5f, seed: 5),
        "glorot_uniform" => new GlorotUniform(seed: 6),
        "glorot_normal" => new GlorotNormal(seed: 7),
        "he_uniform" => new HeUniform(seed: 8),
        "he_normal" => new HeNormal(seed: 9),
        "lecun_normal" => new LecunNormal(seed: 10),
        "lecun_uniform" => new LecunUniform(seed: 11),
        "variance_scaling" => new VarianceScaling(2.5, FanMode.FanAvg, ScalingDistribution.Uniform, seed: 12),
        "orthogonal" => new Orthogonal(gain: 1.5f, seed: 13),
        "identity" => new Identity(gain: 0.5f),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not an initializer of this test"),
    };

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Get_returns_the_initializer_a_keras_name_stands_for(string name)
    {
        var byName = Initializers.Get(name);
        Assert.Equal(name, byName.Name);
        Assert.IsType(Configured(name).GetType(), byName);
        // PascalCase class names, as Keras also accepts, and the implicit conversion layers use.
        var byClass = Initializers.Get(Configured(name).GetType().Name);
        Assert.IsType(byName.GetType(), byClass);
        Initializer converted = name;
        Assert.IsType(byName.GetType(), converted);
    }

    [Fact]
    public void Get_uses_keras_defaults()
    {
        Assert.Equal(0f, ((Constant)Initializers.Get("constant")).Value);
        var uniform = (RandomUniform)Initializers.Get("random_uniform");
        Assert.Equal((-0.05f, 0.05f, (long?)null), (uniform.MinVal, uniform.MaxVal, uniform.Seed));
        var normal = (RandomNormal)Initializers.Get("random_normal");
        Assert.Equal((0f, 0.05f), (normal.Mean, normal.Stddev));
        var truncated = (TruncatedNormal)Initializers.Get("truncated_normal");
        Assert.Equal((0f, 0.05f), (truncated.Mean, truncated.Stddev));
        var scaling = (VarianceScaling)Initializers.Get("variance_scaling");
        Assert.Equal((1.0, FanMode.FanIn, ScalingDistribution.TruncatedNormal), (scaling.Scale, scaling.Mode, scaling.Distribution));
        Assert.Equal(1f, ((Orthogonal)Initializers.Get("orthogonal")).Gain);
        Assert.Equal(1f, ((Identity)Initializers.Get("identity")).Gain);
        Assert.IsType<GlorotUniform>(Initializers.Get("xavier_uniform"));
    }

    [Fact]
    public void An_unknown_name_is_refused_with_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => Initializers.Get("glorot_triangular"));
        Assert.Contains("'glorot_triangular'", e.Message);
        Assert.Contains("variance_scaling", e.Message);
        Assert.Contains("he_normal", e.Message);
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Configuration_round_trips_through_json(string name)
    {
        var original = Configured(name);
        var saved = (JsonObject)LayerConfigWriter.Initializer(original);
        var text = saved.ToJsonString();
        var copy = Initializers.FromConfig((JsonObject)JsonNode.Parse(text)!, "test");
        Assert.IsType(original.GetType(), copy);
        Assert.Equal(original.GetConfig().ToJsonString(), copy.GetConfig().ToJsonString());
        // The same configuration (seed included) draws the same values, whatever generator is passed.
        Assert.Equal(Draw(original, 1), Draw(copy, original is RandomInitializer { Seed: not null } ? 2 : 1));
    }

    [Fact]
    public void Configurations_use_keras_keys()
    {
        Assert.Equal("""{"scale":2.5,"mode":"fan_avg","distribution":"uniform","seed":12}""",
            Configured("variance_scaling").GetConfig().ToJsonString());
        Assert.Equal("""{"minval":-0.5,"maxval":1.5,"seed":3}""", Configured("random_uniform").GetConfig().ToJsonString());
        Assert.Equal("""{"mean":0.5,"stddev":2,"seed":4}""", Configured("random_normal").GetConfig().ToJsonString());
        Assert.Equal("""{"gain":1.5,"seed":13}""", Configured("orthogonal").GetConfig().ToJsonString());
        Assert.Equal("""{"seed":null}""", new HeNormal().GetConfig().ToJsonString());
        var fanOut = Initializers.FromConfig(JsonNode.Parse(
            """{"class_name":"VarianceScaling","config":{"scale":0.5,"mode":"fan_out","distribution":"untruncated_normal","seed":null}}""")!.AsObject(), "test");
        var scaling = Assert.IsType<VarianceScaling>(fanOut);
        Assert.Equal((0.5, FanMode.FanOut, ScalingDistribution.UntruncatedNormal, (long?)null),
            (scaling.Scale, scaling.Mode, scaling.Distribution, scaling.Seed));
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void A_seeded_generator_reproduces_the_values(string name)
    {
        var initializer = Initializers.Get(name); // no seed of its own: draws from the generator passed in
        Assert.Equal(Draw(initializer, 21), Draw(initializer, 21));
        if (initializer is RandomInitializer)
            Assert.NotEqual(Draw(initializer, 21), Draw(initializer, 22));
    }

    [Fact]
    public void A_seeded_initializer_draws_the_same_values_every_call_whatever_the_generator()
    {
        foreach (var initializer in new Initializer[]
                 { new RandomUniform(seed: 1), new RandomNormal(seed: 1), new TruncatedNormal(seed: 1), new GlorotUniform(seed: 1),
                   new HeNormal(seed: 1), new VarianceScaling(seed: 1), new Orthogonal(seed: 1) })
        {
            Assert.Equal(Draw(initializer, 100), Draw(initializer, 200));
            Assert.NotEqual(Draw(initializer, 100), Draw(Initializers.Get(initializer.Name), 100));
        }
        Assert.NotEqual(Draw(new GlorotUniform(seed: 1), 0), Draw(new GlorotUniform(seed: 2), 0));
        // Tensor creation through Create takes the same path.
        var a = new HeUniform(seed: 4).Create([3, 4]);
        var b = new HeUniform(seed: 4).Create([3, 4], new RandomGenerator(99));
        Assert.Equal(a.ToArray(), b.ToArray());
    }

    [Fact]
    public void Dense_saves_and_restores_its_initializers()
    {
        var dense = new Dense(4, kernelInitializer: new VarianceScaling(2.0, FanMode.FanOut, ScalingDistribution.Uniform, seed: 3),
            biasInitializer: new Constant(0.5f), inputShape: [3]);
        var copy = Layers.LayerRoundTrip.Of(dense);
        var kernel = Assert.IsType<VarianceScaling>(copy.KernelInitializer);
        Assert.Equal((2.0, FanMode.FanOut, ScalingDistribution.Uniform, (long?)3), (kernel.Scale, kernel.Mode, kernel.Distribution, kernel.Seed));
        Assert.Equal(0.5f, Assert.IsType<Constant>(copy.BiasInitializer).Value);
        var x = Tensor.Ones(1, 3);
        Assert.Equal(dense.Call(x).ToArray(), copy.Call(x).ToArray());
    }
}
