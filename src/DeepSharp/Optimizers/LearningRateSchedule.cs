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
        if (config is JsonValue constant) return new ConstantLearningRate((float)constant);
        string className = (string?)config["class_name"] ?? throw new FormatException($"A schedule config needs a class_name; got {config.ToJsonString()}.");
        var c = config["config"] as JsonObject ?? throw new FormatException($"Schedule {className}: no \"config\" object in {config.ToJsonString()}.");
        double D(string key) => (double?)c[key] ?? throw new FormatException($"Schedule {className}: config lacks \"{key}\".");
        long L(string key) => (long?)c[key] ?? throw new FormatException($"Schedule {className}: config lacks \"{key}\".");
        bool B(string key) => (bool?)c[key] ?? false;
        return className switch
        {
            "ExponentialDecay" => new ExponentialDecay(D("initial_learning_rate"), L("decay_steps"), D("decay_rate"), B("staircase")),
            "InverseTimeDecay" => new InverseTimeDecay(D("initial_learning_rate"), L("decay_steps"), D("decay_rate"), B("staircase")),
            "PolynomialDecay" => new PolynomialDecay(D("initial_learning_rate"), L("decay_steps"), D("end_learning_rate"), D("power"), B("cycle")),
            "CosineDecay" => new CosineDecay(D("initial_learning_rate"), L("decay_steps"), (double?)c["alpha"] ?? 0,
                (double?)c["warmup_target"], (long?)c["warmup_steps"] ?? 0),
            "PiecewiseConstantDecay" => new PiecewiseConstantDecay(
                (c["boundaries"] as JsonArray ?? throw new FormatException("PiecewiseConstantDecay: config lacks \"boundaries\".")).Select(b => (long)b!).ToArray(),
                (c["values"] as JsonArray ?? throw new FormatException("PiecewiseConstantDecay: config lacks \"values\".")).Select(v => (double)v!).ToArray()),
            "LinearWarmup" => new LinearWarmup(FromConfig(c["schedule"] ?? throw new FormatException("LinearWarmup: config lacks \"schedule\".")),
                L("warmup_steps"), (double?)c["start_factor"] ?? 0, (double?)c["scale"] ?? 1),
            _ => throw new FormatException(
                $"Unknown learning-rate schedule '{className}'. Known: ExponentialDecay, InverseTimeDecay, PolynomialDecay, CosineDecay, PiecewiseConstantDecay, LinearWarmup."),
        };
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
