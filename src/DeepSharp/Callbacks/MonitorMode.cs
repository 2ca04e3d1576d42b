namespace DeepSharp;

/// <summary>Whether a monitored quantity should go down or up; <see cref="Auto"/> decides from its name as Keras.</summary>
public enum MonitorMode
{
    /// <summary>"min" for losses and errors, "max" for accuracies and other metrics.</summary>
    Auto,
    /// <summary>Lower is better.</summary>
    Min,
    /// <summary>Higher is better.</summary>
    Max,
}
