namespace Dram.Tests.Infrastructure;

/// <summary>A fact that is skipped, with the reason, unless the interpreter exists and imports <paramref name="modules"/>.</summary>
public sealed class PythonFactAttribute(string label, params string[] modules) : FactAttribute
{
    public override string? Skip
    {
        get => PythonInterpreters.AbsenceReason(label, modules);
        set => throw new NotSupportedException("the skip reason is decided by which interpreters are installed");
    }
}
