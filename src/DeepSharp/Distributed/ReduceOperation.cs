namespace DeepSharp;

/// <summary>How <see cref="ICommunicator.AllReduce"/> combines the ranks' values, element by element.</summary>
public enum ReduceOperation
{
    /// <summary>The sum over ranks.</summary>
    Sum,

    /// <summary>The sum over ranks divided by the number of ranks (gradient averaging).</summary>
    Average,

    /// <summary>The smallest value over ranks.</summary>
    Min,

    /// <summary>The largest value over ranks.</summary>
    Max,
}
