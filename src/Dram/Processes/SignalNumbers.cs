namespace Dram.Processes;

/// <summary>
/// Linux signal numbers the master sends with kill(2), and SIGUSR1, which has no
/// <see cref="System.Runtime.InteropServices.PosixSignal"/> name and is registered by its number.
/// </summary>
internal static class SignalNumbers
{
    public const int Quit = 3;
    public const int Kill = 9;
    public const int Usr1 = 10;
    public const int Term = 15;
}
