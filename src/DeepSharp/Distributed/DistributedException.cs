namespace DeepSharp;

/// <summary>
/// A distributed run cannot go on: Open MPI is missing, a rank was lost, or a collective operation waited past
/// its timeout. The message names the rank and the operation. After a lost rank or a timeout the communicator is
/// unusable (MPI cannot recover from a lost process): end the process; the launcher ends the other ranks.
/// </summary>
public sealed class DistributedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DistributedException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>Creates the exception, naming the rank that was lost (null when that is not the cause).</summary>
    public DistributedException(string message, int? lostRank) : base(message) => LostRank = lostRank;

    /// <summary>The rank that was lost, if that is the cause.</summary>
    public int? LostRank { get; }
}
