namespace Dram.Tests.Django;

/// <summary>mysite's pages through Dram on SQLite.</summary>
public sealed class DjangoOnSqliteTests(MysiteOnSqlite served) : DjangoPagesContract(served), IClassFixture<MysiteOnSqlite>;
