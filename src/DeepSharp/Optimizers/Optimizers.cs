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
    /// (<c>{"class_name": "Adam", "config": {...}}</c>). Missing keys take Keras' defaults; unknown keys and
    /// values of the wrong type are refused (the optimizer's own keys, learning_rate, clipnorm, clipvalue,
    /// global_clipnorm, weight_decay, and name).
    /// </summary>
    /// <exception cref="FormatException">The configuration names no optimizer, holds an unknown key or a value of the wrong kind.</exception>
    public static Optimizer FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ConfigReader c;
        string name;
        if (config.ContainsKey("class_name"))
        {
            var outer = new ConfigReader(config, "Optimizer");
            name = outer.Required<string>("class_name");
            c = new ConfigReader(outer.Object("config") ?? [], $"Optimizer '{name}'");
            outer.Finish(0);
            c.OptionalString("name"); // Keras keeps the optimizer's name inside its config
        }
        else
        {
            c = new ConfigReader(config, "Optimizer");
            name = c.Required<string>("name");
        }
        Optimizer optimizer;
        try
        {
            LearningRateSchedule? lr = c.TryGet("learning_rate", out var rate) ? LearningRateSchedule.FromConfig(rate ?? throw c.Invalid("learning_rate", rate, "a number or a schedule")) : null;
            float? clipNorm = c.Nullable<float>("clipnorm"), clipValue = c.Nullable<float>("clipvalue"),
                globalClipNorm = c.Nullable<float>("global_clipnorm"), weightDecay = c.Nullable<float>("weight_decay");
            optimizer = KerasNames.ToSnakeCase(name).Replace("_", "") switch
            {
                "sgd" => new SGD(lr, c.Optional("momentum", 0f), c.Optional("nesterov", false), clipNorm, clipValue, globalClipNorm, weightDecay),
                "adam" => new Adam(lr, c.Optional("beta_1", 0.9f), c.Optional("beta_2", 0.999f), c.Optional("epsilon", 1e-7f),
                    c.Optional("amsgrad", false), clipNorm, clipValue, globalClipNorm, weightDecay),
                "adamw" => new AdamW(lr, weightDecay ?? 0.004f, c.Optional("beta_1", 0.9f), c.Optional("beta_2", 0.999f),
                    c.Optional("epsilon", 1e-7f), c.Optional("amsgrad", false), clipNorm, clipValue, globalClipNorm),
                "rmsprop" => new RMSprop(lr, c.Optional("rho", 0.9f), c.Optional("momentum", 0f), c.Optional("epsilon", 1e-7f),
                    c.Optional("centered", false), clipNorm, clipValue, globalClipNorm, weightDecay),
                "adagrad" => new Adagrad(lr, c.Optional("initial_accumulator_value", 0.1f), c.Optional("epsilon", 1e-7f),
                    clipNorm, clipValue, globalClipNorm, weightDecay),
                "nadam" => new Nadam(lr, c.Optional("beta_1", 0.9f), c.Optional("beta_2", 0.999f), c.Optional("epsilon", 1e-7f),
                    clipNorm, clipValue, globalClipNorm, weightDecay),
                "adamax" => new Adamax(lr, c.Optional("beta_1", 0.9f), c.Optional("beta_2", 0.999f), c.Optional("epsilon", 1e-7f),
                    clipNorm, clipValue, globalClipNorm, weightDecay),
                "adadelta" => new Adadelta(lr, c.Optional("rho", 0.95f), c.Optional("epsilon", 1e-7f),
                    clipNorm, clipValue, globalClipNorm, weightDecay),
                _ => throw new FormatException(
                    $"Unknown optimizer '{name}'. Known: sgd, adam, adamw, rmsprop, adagrad, nadam, adamax, adadelta."),
            };
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{c.Owner}: bad config: {e.Message}", e);
        }
        return c.Finish(optimizer);
    }
}
