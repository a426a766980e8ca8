using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Wsgi;

/// <summary>
/// Request features looked up through the collection's <c>Type</c> indexer. <c>Get&lt;T&gt;()</c> is a
/// generic virtual method, which the native (ahead-of-time compiled) build resolves through a hash
/// lookup on every call; the indexer is an ordinary interface call that Kestrel answers with a type
/// comparison. Measured on hello: 0.4% of the worker's CPU went to that lookup. Inlined, so the
/// type and the cast are the caller's own constants; shared generic code would look both up in
/// its generic dictionary on every call (0.8% of the worker on hello).
/// </summary>
/// <remarks>
/// The cast to the feature's interface is <see cref="As{T}"/>: Kestrel answers every feature
/// with its connection object, whose type implements some twenty interfaces, and the runtime's
/// cast searches that list on every call (about 45 instructions; six casts a hello request).
/// </remarks>
internal static class FeatureLookup
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T? Optional<T>(IFeatureCollection features) where T : class => As<T>(features[typeof(T)]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Required<T>(IFeatureCollection features) where T : class =>
        As<T>(features[typeof(T)]) ?? Missing<T>();

    /// <summary>
    /// <c>value as T</c>; an object of the same type as the last one found to be a
    /// <typeparamref name="T"/> costs one comparison.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T? As<T>(object? value) where T : class
    {
        if (value is null)
        {
            return null;
        }
        return TypeWord(value) == LastType<T>.Handle ? Unsafe.As<T>(value) : AsAndRemember<T>(value);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T? AsAndRemember<T>(object value) where T : class
    {
        var cast = value as T;
        if (cast is not null)
        {
            // Only a type the runtime's own cast accepted is remembered, so Unsafe.As above never
            // reinterprets an object as an interface its type does not implement.
            LastType<T>.Handle = TypeWord(value);
        }
        return cast;
    }

    /// <summary>
    /// The object's first word, which .NET sets to its exact type's method table and never changes:
    /// read directly, since <see cref="Type.GetTypeHandle"/> goes through the type object and costs
    /// as much as the cast it would spare.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint TypeWord(object value) =>
        Unsafe.Add(ref Unsafe.As<byte, nint>(ref Unsafe.As<FirstField>(value).Value), -1);

    private static T Missing<T>() => throw new InvalidOperationException($"The request has no {typeof(T).Name}.");

    /// <summary>A stand-in type whose field is where any object's fields begin, one word past its method table.</summary>
    private sealed class FirstField
    {
        public byte Value;
    }

    /// <summary>The method table of the last object <see cref="As{T}"/> found to be a <typeparamref name="T"/>; 0 before the first.</summary>
    private static class LastType<T>
    {
        public static nint Handle;
    }
}
