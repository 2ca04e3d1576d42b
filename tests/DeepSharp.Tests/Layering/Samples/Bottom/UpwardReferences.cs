namespace DeepSharp.Tests.Layering.Samples;

// Each type refers to Top/ in one way: the layering checker must report every one of them when Bottom is
// below Top, and none when the order is reversed.

/// <summary>Calls a method above it.</summary>
internal static class CallsUp
{
    internal static int Run() => TopThing.Value();
}

/// <summary>Derives from a class above it.</summary>
internal sealed class DerivesUp : TopThing
{
}

/// <summary>Implements an interface above it.</summary>
internal sealed class ImplementsUp : ITopThing
{
}

/// <summary>Holds a field of a type above it.</summary>
internal sealed class HoldsUp
{
    internal TopKind Kind = TopKind.One;
}

/// <summary>Carries an attribute from above it.</summary>
[Top]
internal sealed class MarkedUp
{
}

/// <summary>Names a type above it only as a generic argument.</summary>
internal sealed class ListsUp
{
    internal List<TopThing>? Items = null;
}

/// <summary>Reaches up from inside a lambda (compiled into a closure class) and writes a field above it.</summary>
internal static class LambdaUp
{
    internal static Func<int> Make() => () => TopThing.Value();

    internal static void Write(TopThing thing) => thing.Field = 2;
}
