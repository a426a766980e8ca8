using System.Runtime.Versioning;

// The tests run the Linux dram binary and Debian's servers (PostgreSQL, nginx, systemd tools).
[assembly: SupportedOSPlatform("linux")]
