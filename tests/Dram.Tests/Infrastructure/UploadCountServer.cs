namespace Dram.Tests.Infrastructure;

/// <summary>One dram serving tests/apps/upload_count.py, shared by a test class.</summary>
public sealed class UploadCountServer : SharedDram
{
    protected override string App => "upload_count:application";
}
