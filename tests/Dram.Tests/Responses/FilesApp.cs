namespace Dram.Tests.Responses;

/// <summary>tests/apps/responses_files.py: serves files through wsgi.file_wrapper.</summary>
public sealed class FilesApp : ServedApp
{
    protected override string App => "responses_files:application";
}
