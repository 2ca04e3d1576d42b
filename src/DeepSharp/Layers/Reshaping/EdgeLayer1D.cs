using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The shared base of the layers that remove or add steps at both ends of channels-last sequences
/// (<see cref="Cropping1D"/>, <see cref="ZeroPadding1D"/>): the amount per end, its validation and its configuration
/// (start, end) as Keras writes it, and the steps that may be unknown.
/// </summary>
public abstract class EdgeLayer1D : Layer
{
    private readonly string _argument;

    /// <summary>Validates and keeps the amount per end.</summary>
    /// <param name="argument">The Keras name of the amount ("cropping", "padding"), used in messages and the configuration.</param>
    /// <param name="amount">Steps at the start and at the end.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    private protected EdgeLayer1D(string argument, (int Start, int End) amount, string? name, PartialShape? inputShape) : base(name, inputShape)
    {
        if (amount.Start < 0 || amount.End < 0)
            throw new ArgumentOutOfRangeException(argument, $"{GetType().Name}: {argument} must be non-negative; got ({amount.Start}, {amount.End}).");
        _argument = argument;
        Start = amount.Start;
        End = amount.End;
    }

    /// <summary>Steps at the start.</summary>
    public int Start { get; }

    /// <summary>Steps at the end.</summary>
    public int End { get; }

    /// <inheritdoc/>
    /// <remarks>The steps may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis == 0;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config[_argument] = new JsonArray(Start, End);
        return config;
    }
}
