using System.Reflection;
using Xunit.Sdk;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// One theory row per interpreter label (see <see cref="PythonInterpreters"/>); the row is
/// skipped, with the reason, when that interpreter is not installed here.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class PythonDataAttribute(string label) : DataAttribute
{
    public string Label { get; } = label;

    public override string? Skip
    {
        get => PythonInterpreters.AbsenceReason(Label);
        set => throw new NotSupportedException("the skip reason is decided by which interpreters are installed");
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[Label]];
}
