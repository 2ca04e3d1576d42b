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
