namespace Dram.Tests.Django;

/// <summary>mysite served through mysite/wsgi_middleware.py: the stock application wrapped in a WSGI middleware.</summary>
public sealed class MysiteWithWsgiMiddleware : ServedMysite
{
    protected override HostTool[] Tools => [HostTool.Django];

    protected override string App => "mysite.wsgi_middleware:application";
}
