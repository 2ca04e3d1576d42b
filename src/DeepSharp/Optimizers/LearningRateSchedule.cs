using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A learning rate as a function of the optimizer's step count, as Keras' <c>LearningRateSchedule</c>.
/// A plain number converts to a constant schedule, so <c>new Adam(learningRate: 1e-3)</c> works.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate at step <paramref name="step"/> (0 for the first step).</summary>
    public abstract float At(long step);

    /// <summary>The schedule's configuration (a number for a constant).</summary>
    public abstract JsonNode GetConfig();

    /// <summary>A constant learning rate.</summary>
    public static implicit operator LearningRateSchedule(float value) => new ConstantLearningRate(value);

    /// <summary>A constant learning rate.</summary>
    public static implicit operator LearningRateSchedule(double value) => new ConstantLearningRate((float)value);

    /// <summary>
    /// Recreates a schedule from its configuration: a number (a constant rate) or Keras' serialized form
    /// <c>{"class_name": "ExponentialDecay", "config": {...}}</c> as <see cref="GetConfig"/> writes it.
    /// </summary>
    /// <exception cref="FormatException">An unknown schedule or a config without its required keys.</exception>
    public static LearningRateSchedule FromConfig(JsonNode config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var holder = new ConfigReader(new JsonObject(), "Learning rate");
        if (config is JsonValue) return new ConstantLearningRate(holder.Value<float>("learning_rate", config));
        if (config is not JsonObject node)
            throw holder.Invalid("learning_rate", config, "a number or {\"class_name\": ..., \"config\": {...}}");
        var outer = new ConfigReader(node, "Learning-rate schedule");
        string className = outer.Required<string>("class_name");
        var c = new ConfigReader(outer.Object("config") ?? throw outer.Missing("config"), $"Schedule {className}");
        outer.Finish(0);
        c.OptionalString("name"); // the class name again, as Keras writes it
        double D(string key) => c.Required<double>(key);
        long L(string key) => c.Required<long>(key);
        bool B(string key) => c.Optional(key, false);
        LearningRateSchedule schedule;
        try
        {
            schedule = className switch
            {
                "ExponentialDecay" => new ExponentialDecay(D("initial_learning_rate"), L("decay_steps"), D("decay_rate"), B("staircase")),
                "InverseTimeDecay" => new InverseTimeDecay(D("initial_learning_rate"), L("decay_steps"), D("decay_rate"), B("staircase")),
                "PolynomialDecay" => new PolynomialDecay(D("initial_learning_rate"), L("decay_steps"), D("end_learning_rate"), D("power"), B("cycle")),
                "CosineDecay" => new CosineDecay(D("initial_learning_rate"), L("decay_steps"), c.Optional("alpha", 0.0),
                    c.Nullable<double>("warmup_target"), c.Optional("warmup_steps", 0L)),
                "PiecewiseConstantDecay" => new PiecewiseConstantDecay(Numbers<long>(c, "boundaries"), Numbers<double>(c, "values")),
                "LinearWarmup" => new LinearWarmup(
                    FromConfig((c.TryGet("schedule", out var inner) ? inner : throw c.Missing("schedule")) ?? throw c.Invalid("schedule", inner, "a schedule or a number")),
                    L("warmup_steps"), c.Optional("start_factor", 0.0), c.Optional("scale", 1.0)),
                _ => throw new FormatException(
                    $"Unknown learning-rate schedule '{className}'. Known: ExponentialDecay, InverseTimeDecay, PolynomialDecay, CosineDecay, PiecewiseConstantDecay, LinearWarmup."),
            };
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{c.Owner}: {e.Message}", e);
        }
        return c.Finish(schedule);
    }

    /// <summary>An array of numbers that must be present.</summary>
    private static T[] Numbers<T>(ConfigReader c, string key)
    {
        if (!c.TryGet(key, out var node)) throw c.Missing(key);
        if (node is not JsonArray array) throw c.Invalid(key, node, "an array of numbers");
        return array.Select(item => c.Value<T>(key, item)).ToArray();
    }

    /// <summary>Keras' serialized form of a schedule: <c>{"class_name": ..., "config": {...}}</c>.</summary>
    protected JsonObject Serialized(JsonObject config)
    {
        config["name"] = GetType().Name;
        return new JsonObject { ["class_name"] = GetType().Name, ["config"] = config };
    }

    /// <summary>Checks a schedule argument is a finite number >= <paramref name="min"/> (> when <paramref name="exclusive"/>); the message names it.</summary>
    protected double Check(double value, string argument, double min = 0, bool exclusive = false)
    {
        if (!double.IsFinite(value) || value < min || (exclusive && value == min))
            throw new ArgumentOutOfRangeException(argument, value,
                $"{GetType().Name}: {argument} must be a finite number {(exclusive ? ">" : ">=")} {min}; got {value}.");
        return value;
    }

    /// <summary>Checks a step count is > 0, as Keras does for <c>decay_steps</c>.</summary>
    protected long CheckSteps(long value, string argument)
    {
        if (value <= 0)
            throw new ArgumentOutOfRangeException(argument, value, $"{GetType().Name}: {argument} must be > 0; got {value}.");
        return value;
    }
}

/// <summary>The same learning rate at every step.</summary>
public sealed class ConstantLearningRate : LearningRateSchedule
{
    /// <summary>Creates it; the value must be a finite number >= 0.</summary>
    public ConstantLearningRate(float value)
    {
        if (!float.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException("learningRate", value, $"learningRate must be a finite number >= 0; got {value}.");
        Value = value;
    }

    /// <summary>The learning rate.</summary>
    public float Value { get; }

    /// <inheritdoc/>
    public override float At(long step) => Value;

    /// <inheritdoc/>
    public override JsonNode GetConfig() => JsonValue.Create(Value);
}
