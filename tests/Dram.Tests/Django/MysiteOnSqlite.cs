namespace Dram.Tests.Django;

/// <summary>mysite on a SQLite database file, the default when DATABASE_URL names none.</summary>
public sealed class MysiteOnSqlite : ServedMysite
{
    protected override HostTool[] Tools => [HostTool.Django];
}
