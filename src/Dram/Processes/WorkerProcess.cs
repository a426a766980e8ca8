using System.Diagnostics;

namespace Dram.Processes;

/// <summary>The master's record of one worker process.</summary>
internal sealed class WorkerProcess(int id, int generation, Process process)
{
    public int Id { get; } = id;

    /// <summary>Bumped by every reload (SIGHUP): workers of an older generation run old app code.</summary>
    public int Generation { get; } = generation;

    public Process Process { get; } = process;

    public int Pid { get; } = process.Id;

    public DateTime Started { get; } = DateTime.UtcNow;

    public ControlChannel? Control { get; set; }

    /// <summary>
    /// USR1 came while the worker was starting, when the signal could have ended it (its handler
    /// may not be in place yet); it gets the signal once it says it booted.
    /// </summary>
    public bool ReopenLogsWhenBooted { get; set; }

    /// <summary>Loaded the app and reported it: its signal handlers are installed.</summary>
    public bool Booted { get; set; }

    /// <summary>Loaded the app and serves the listening sockets.</summary>
    public bool Accepting { get; set; }

    /// <summary>Its slot on the accept board (AcceptBoard), or -1 for none.</summary>
    public int AcceptSlot { get; set; } = -1;

    public DateTime LastHeartbeat { get; set; } = DateTime.UtcNow;

    public long Served { get; set; }

    public long ResidentBytes { get; set; }

    /// <summary>The worker this one will replace once it accepts (recycling, reload).</summary>
    public WorkerProcess? Replaces { get; set; }

    /// <summary>Why this worker was started to replace <see cref="Replaces"/> (a RestartReason), or null.</summary>
    public string? ReplacementReason { get; init; }

    /// <summary>The master killed it for sending no heartbeat.</summary>
    public bool KilledForSilence { get; set; }

    /// <summary>A replacement for this worker has been started.</summary>
    public WorkerProcess? ReplacedBy { get; set; }

    /// <summary>The master told it to stop (SIGTERM or SIGQUIT), at this time.</summary>
    public DateTime? RetiringSince { get; set; }

    public bool Exited { get; set; }

    /// <summary>Killed for reaching twice --max-worker-memory (reported once).</summary>
    public bool KilledOverMemory { get; set; }

    /// <summary>Counts toward the configured number of workers.</summary>
    public bool CountsTowardTarget => RetiringSince is null && ReplacedBy is null && !Exited;
}
