namespace Dram.Processes;

/// <summary>Who a worker process is, as the master told it through the environment.</summary>
public sealed record WorkerIdentity(int Id, int Generation, string ControlSocket)
{
    public const string IdVariable = "DRAM_WORKER_ID";
    public const string GenerationVariable = "DRAM_WORKER_GENERATION";
    public const string ControlVariable = "DRAM_CONTROL_SOCKET";

    /// <summary>The identity of this process when the master started it, else null (this process is the master).</summary>
    public static WorkerIdentity? FromEnvironment()
    {
        var id = Environment.GetEnvironmentVariable(IdVariable);
        var control = Environment.GetEnvironmentVariable(ControlVariable);
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(control))
        {
            return null;
        }
        var generation = Environment.GetEnvironmentVariable(GenerationVariable);
        return new WorkerIdentity(int.Parse(id), int.TryParse(generation, out var g) ? g : 0, control);
    }
}
