namespace Dram.Tests.Hostile;

/// <summary>One look at a worker: Python objects and threads, and the process's descriptors, threads and RSS.</summary>
public sealed record WorkerState(int PythonObjects, int PythonThreads, int Descriptors, int OsThreads, long ResidentBytes);
