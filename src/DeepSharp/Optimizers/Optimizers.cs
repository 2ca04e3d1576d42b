using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>The built-in optimizers by Keras name.</summary>
public static class Optimizers
{
    /// <summary>The optimizer a Keras name ("sgd", "adam", ...) stands for, with Keras' defaults.</summary>
    public static Optimizer Get(string name) => KerasNames.ToSnakeCase(name).Replace("_", "") switch
    {
        "sgd" => new SGD(),
        "adam" => new Adam(),
        "adamw" => new AdamW(),
        "rmsprop" => new RMSprop(),
        "adagrad" => new Adagrad(),
        "nadam" => new Nadam(),
        "adamax" => new Adamax(),
        "adadelta" => new Adadelta(),
        _ => throw new ArgumentException(
            $"Unknown optimizer '{name}'. Known: sgd, adam, adamw, rmsprop, adagrad, nadam, adamax, adadelta.", nameof(name)),
    };

    /// <summary>
    /// Recreates an optimizer from its configuration: what <see cref="Optimizer.GetConfig"/> wrote
    /// (<c>{"name": "adam", "learning_rate": ..., "beta_1": ...}</c>) or Keras' serialized form
    /// (<c>{"class_name": "Adam", "config": {...}}</c>). Missing keys take Keras' defaults.
    /// </summary>
    /// <exception cref="FormatException">The configuration names no optimizer or holds a value of the wrong kind.</exception>
    public static Optimizer FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = config["config"] as JsonObject ?? config;
        string name = (string?)(config["class_name"] ?? config["name"])
            ?? throw new FormatException("An optimizer config needs a \"name\" (or \"class_name\"); got " + config.ToJsonString() + ".");
        try
        {
            var lr = c["learning_rate"] is { } rate ? LearningRateSchedule.FromConfig(rate) : null;
            float? clipNorm = Optional(c, "clipnorm"), clipValue = Optional(c, "clipvalue"),
                globalClipNorm = Optional(c, "global_clipnorm"), weightDecay = Optional(c, "weight_decay");
            return KerasNames.ToSnakeCase(name).Replace("_", "") switch
            {
                "sgd" => new SGD(lr, Or(c, "momentum", 0f), Or(c, "nesterov", false), clipNorm, clipValue, globalClipNorm, weightDecay),
                "adam" => new Adam(lr, Or(c, "beta_1", 0.9f), Or(c, "beta_2", 0.999f), Or(c, "epsilon", 1e-7f),
                    Or(c, "amsgrad", false), clipNorm, clipValue, globalClipNorm, weightDecay),
                "adamw" => new AdamW(lr, weightDecay ?? 0.004f, Or(c, "beta_1", 0.9f), Or(c, "beta_2", 0.999f),
                    Or(c, "epsilon", 1e-7f), Or(c, "amsgrad", false), clipNorm, clipValue, globalClipNorm),
                "rmsprop" => new RMSprop(lr, Or(c, "rho", 0.9f), Or(c, "momentum", 0f), Or(c, "epsilon", 1e-7f),
                    Or(c, "centered", false), clipNorm, clipValue, globalClipNorm, weightDecay),
                "adagrad" => new Adagrad(lr, Or(c, "initial_accumulator_value", 0.1f), Or(c, "epsilon", 1e-7f),
                    clipNorm, clipValue, globalClipNorm, weightDecay),
                "nadam" => new Nadam(lr, Or(c, "beta_1", 0.9f), Or(c, "beta_2", 0.999f), Or(c, "epsilon", 1e-7f),
                    clipNorm, clipValue, globalClipNorm, weightDecay),
                "adamax" => new Adamax(lr, Or(c, "beta_1", 0.9f), Or(c, "beta_2", 0.999f), Or(c, "epsilon", 1e-7f),
                    clipNorm, clipValue, globalClipNorm, weightDecay),
                "adadelta" => new Adadelta(lr, Or(c, "rho", 0.95f), Or(c, "epsilon", 1e-7f),
                    clipNorm, clipValue, globalClipNorm, weightDecay),
                _ => throw new FormatException(
                    $"Unknown optimizer '{name}'. Known: sgd, adam, adamw, rmsprop, adagrad, nadam, adamax, adadelta."),
            };
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"Optimizer '{name}': bad config {c.ToJsonString()}: {e.Message}", e);
        }
    }

    private static float? Optional(JsonObject config, string key) => config[key] is { } value ? (float)value : null;

    private static float Or(JsonObject config, string key, float fallback) => config[key] is { } value ? (float)value : fallback;

    private static bool Or(JsonObject config, string key, bool fallback) => config[key] is { } value ? (bool)value : fallback;
}
