namespace DeepSharp;

/// <summary>Argument checks every communicator makes the same way, so every backend refuses bad input alike.</summary>
internal static class CommunicatorArguments
{
    public static void CheckRoot(int root, int size)
    {
        if ((uint)root >= (uint)size)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"Broadcast: root must be a rank in [0, {size - 1}]; got {root}.");
    }

    public static void CheckOperation(ReduceOperation operation)
    {
        if (!Enum.IsDefined(operation))
            throw new ArgumentOutOfRangeException(nameof(operation), operation, $"AllReduce: unknown operation {(int)operation}; expected Sum, Average, Min or Max.");
    }
}
