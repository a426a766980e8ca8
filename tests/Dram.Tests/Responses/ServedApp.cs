using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>
/// One dram process shared by the tests of a class (a class fixture): starting the server and
/// Python once keeps the suite fast. Tests that watch process-wide state start their own.
/// </summary>
public abstract class ServedApp : IAsyncLifetime
{
    private DramProcess? _dram;

    protected abstract string App { get; }

    protected virtual IEnumerable<string> Args => ["--threads", "2"];

    public DramProcess Dram => _dram ?? throw new InvalidOperationException("the server is not started");

    public int Port => Dram.Port;

    public async Task InitializeAsync() => _dram = await DramProcess.StartAsync(App, Args);

    public async Task DisposeAsync()
    {
        if (_dram is not null)
        {
            await _dram.DisposeAsync();
        }
    }
}
