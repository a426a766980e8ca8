using System.Runtime.Versioning;

// Dram serves from Linux: it relies on fork-free process spawning with inherited stdio, unix
// sockets with descriptor passing, POSIX signals and /proc.
[assembly: SupportedOSPlatform("linux")]
