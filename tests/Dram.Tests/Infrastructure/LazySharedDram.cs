namespace Dram.Tests.Infrastructure;

/// <summary>
/// One dram process shared by the tests of a class (an xunit class fixture), started by the first
/// test that asks for it, so a class whose tests are all skipped starts nothing.
/// </summary>
public abstract class LazySharedDram : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DramProcess? _dram;

    protected abstract Task<DramProcess> StartAsync();

    public async Task<DramProcess> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_dram is null || _dram.HasExited)
            {
                _dram = await StartAsync();
            }
            return _dram;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_dram is not null)
        {
            await _dram.DisposeAsync();
        }
        _gate.Dispose();
    }
}
