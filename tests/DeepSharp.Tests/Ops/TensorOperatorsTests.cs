using System.Reflection;
using System.Runtime.CompilerServices;

namespace DeepSharp.Tests.Ops;

/// <summary>
/// What other .NET languages see: Tensor's operators are declared on the type (F# and VB ignore C# extension
/// operators), and every <c>params ReadOnlySpan</c> member has an array twin (F# cannot pass a span as params).
/// </summary>
public class TensorOperatorsTests
{
    private static readonly string[] Operators = ["op_Addition", "op_Subtraction", "op_Multiply", "op_Division", "op_UnaryNegation"];

    [Fact]
    public void The_arithmetic_operators_are_declared_on_Tensor_and_nowhere_else()
    {
        foreach (var name in Operators)
        {
            var declared = typeof(Tensor).GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly).Where(m => m.Name == name).ToList();
            Assert.True(declared.Count > 0, $"Tensor declares no {name}");
            if (name != "op_UnaryNegation")
            {
                foreach (var (left, right) in new[] { (typeof(Tensor), typeof(Tensor)), (typeof(Tensor), typeof(float)), (typeof(float), typeof(Tensor)) })
                    Assert.Contains(declared, m => m.GetParameters().Select(p => p.ParameterType).SequenceEqual([left, right]));
            }
        }
        var library = typeof(Tensor).Assembly.GetTypes().Where(t => t != typeof(Tensor));
        Assert.DoesNotContain(library.SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)),
            m => Operators.Contains(m.Name) && m.GetParameters().Any(p => p.ParameterType == typeof(Tensor)));
    }

    [Fact]
    public void The_operators_compute_the_ops()
    {
        var a = Tensor.FromArray([1f, 2f, 3f], 3);
        var b = Tensor.FromArray([4f, 5f, 8f], 3);
        Assert.Equal([5f, 7f, 11f], (a + b).ToArray());
        Assert.Equal([-3f, -3f, -5f], (a - b).ToArray());
        Assert.Equal([4f, 10f, 24f], (a * b).ToArray());
        Assert.Equal([0.25f, 0.4f, 0.375f], (a / b).ToArray());
        Assert.Equal([-1f, -2f, -3f], (-a).ToArray());
        Assert.Equal([0f, -1f, -2f], (1f - a).ToArray());
        Assert.Equal([2f, 1.6f, 1f], (8f / b).ToArray());
        Assert.Equal([3f, 4f, 5f], (a + 2f).ToArray());
    }

    /// <summary>Public methods, constructors and indexers (their accessors) of the library with a <c>params ReadOnlySpan</c> parameter.</summary>
    private static IEnumerable<MethodBase> SpanParamsMembers() =>
        typeof(Tensor).Assembly.GetExportedTypes()
            .Where(t => !t.IsDefined(typeof(CompilerGeneratedAttribute)) && !t.Name.StartsWith('<'))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Cast<MethodBase>().Concat(t.GetConstructors()))
            .Where(m => m.GetParameters() is [.., var last] && last.IsDefined(typeof(ParamCollectionAttribute))
                        && last.ParameterType.IsGenericType && last.ParameterType.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>));

    [Fact]
    public void Every_params_span_member_has_a_params_array_twin()
    {
        var members = SpanParamsMembers().ToList();
        Assert.True(members.Count >= 10, $"found only {members.Count} params span members: the scan is broken");
        var missing = new List<string>();
        foreach (var member in members)
        {
            var parameters = member.GetParameters();
            // Other span parameters become arrays too (FromArray(ReadOnlySpan<float>, params ReadOnlySpan<int>) has FromArray(float[], params int[])).
            var wanted = parameters.Select(p => p.ParameterType.IsGenericType && p.ParameterType.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>)
                ? p.ParameterType.GetGenericArguments()[0].MakeArrayType() : p.ParameterType).ToArray();
            MethodBase? twin = member is ConstructorInfo
                ? member.DeclaringType!.GetConstructor(wanted)
                : member.DeclaringType!.GetMethod(member.Name, BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly, wanted);
            if (twin is null || !twin.GetParameters()[^1].IsDefined(typeof(ParamArrayAttribute)))
                missing.Add($"{member.DeclaringType!.Name}.{member.Name}({string.Join(", ", parameters.Select(p => p.ParameterType.Name))})");
        }
        Assert.True(missing.Count == 0, "no params array twin for:\n" + string.Join("\n", missing));
    }

    /// <summary>Calls the member with an <c>int[]</c> last parameter, as F# binds it (C# prefers the span overload).</summary>
    private static object? CallTwin(Type type, string name, object? target, params object?[] arguments)
    {
        var method = type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance)
            .Single(m => m.Name == name && m.GetParameters() is { } ps && ps.Length == arguments.Length
                         && ps.Any(p => p.ParameterType == typeof(int[])) && !ps.Any(p => p.ParameterType.IsByRefLike));
        try
        {
            return method.Invoke(target, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    [Fact]
    public void The_array_twins_do_what_the_span_members_do_and_refuse_null()
    {
        int[] shape = [2, 3];
        var x = (Tensor)CallTwin(typeof(Tensor), "Zeros", null, shape)!;
        Assert.Equal(new TensorShape(2, 3), x.Shape);
        Assert.Equal(new TensorShape(2, 3), ((Tensor)CallTwin(typeof(Tensor), "Ones", null, shape)!).Shape);
        Assert.Equal(new TensorShape(2, 3), (TensorShape)typeof(TensorShape).GetConstructor([typeof(int[])])!.Invoke([shape]));
        CallTwin(typeof(Tensor), "set_Element", x, new[] { 1, 2 }, 7f);
        Assert.Equal(7f, x[1, 2]);
        Assert.Equal(7f, (float)CallTwin(typeof(Tensor), "get_Element", x, new[] { 1, 2 })!);
        var y = (Tensor)CallTwin(typeof(Tensor), "FromArray", null, new[] { 1f, 2f, 3f, 4f, 5f, 6f }, shape)!;
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], y.ToArray());
        Assert.Equal(new TensorShape(3, 2), ((Tensor)CallTwin(typeof(DeepSharp.Ops), "Reshape", null, y, new[] { 3, -1 })!).Shape);
        Assert.Equal(y.Permute(1, 0).ToArray(), ((Tensor)CallTwin(typeof(DeepSharp.Ops), "Permute", null, y, new[] { 1, 0 })!).ToArray());
        Assert.Equal(new TensorShape(4, 2, 3), ((Tensor)CallTwin(typeof(DeepSharp.Ops), "Expand", null, y, new[] { 4, 2, 3 })!).Shape);
        Assert.Equal(new TensorShape(6), ((Tensor)CallTwin(typeof(TensorMembers), "Reshape", null, y, new[] { -1 })!).Shape);
        Assert.Equal(new TensorShape(3, 2), ((Tensor)CallTwin(typeof(TensorMembers), "Permute", null, y, new[] { 1, 0 })!).Shape);
        Assert.Equal(new TensorShape(2, 2, 3), ((Tensor)CallTwin(typeof(TensorMembers), "Expand", null, y, new[] { 2, 2, 3 })!).Shape);

        Assert.Throws<ArgumentNullException>(() => CallTwin(typeof(Tensor), "Zeros", null, [null]));
        Assert.Throws<ArgumentNullException>(() => CallTwin(typeof(Tensor), "Ones", null, [null]));
        Assert.Throws<ArgumentNullException>(() => CallTwin(typeof(Tensor), "FromArray", null, new float[1], null));
        Assert.Throws<ArgumentNullException>(() => CallTwin(typeof(Tensor), "get_Element", x, [null]));
        Assert.Throws<ArgumentNullException>(() => CallTwin(typeof(DeepSharp.Ops), "Reshape", null, y, null));
        Assert.Throws<ArgumentNullException>(() => CallTwin(typeof(TensorMembers), "Expand", null, y, null));
        Assert.Throws<ArgumentNullException>(() => CallTwin(typeof(TensorMembers), "Permute", null, y, null));
        Assert.Throws<ArgumentNullException>(() => CallTwin(typeof(TensorMembers), "Reshape", null, y, null));
        var constructorError = Assert.Throws<TargetInvocationException>(() => typeof(TensorShape).GetConstructor([typeof(int[])])!.Invoke([null]));
        Assert.IsType<ArgumentNullException>(constructorError.InnerException);
    }

    [Fact]
    public void CSharp_callers_still_bind_to_the_span_overloads()
    {
        // A collection expression of values beside an int[] shape was ambiguous before the array twins took a lower priority.
        int[] shape = [2, 2];
        Assert.Equal(new TensorShape(2, 2), Tensor.FromArray([1f, 2f, 3f, 4f], shape).Shape);
        Assert.Equal(new TensorShape(4), Tensor.Zeros(2, 2).Reshape(-1).Shape);
    }
}
