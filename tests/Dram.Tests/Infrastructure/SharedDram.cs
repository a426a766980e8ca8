namespace Dram.Tests.Infrastructure;

/// <summary>
/// A dram process shared by the tests of one class (an xunit class fixture), for tests that only
/// send requests and need no server of their own. Subclasses name the app and its arguments.
/// </summary>
public abstract class SharedDram : IAsyncLifetime
{
    private DramProcess? _dram;

    protected abstract string App { get; }

    protected virtual IEnumerable<string> Args => [];

    public DramProcess Dram => _dram ?? throw new InvalidOperationException("the shared dram process has not started");

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
