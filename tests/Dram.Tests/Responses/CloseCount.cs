namespace Dram.Tests.Responses;

/// <summary>Reads how often the app saw close() for a tag (the apps' /closed route, see tests/apps/close_tracker.py).</summary>
public static class CloseCount
{
    public static string NewTag() => Guid.NewGuid().ToString("N");

    public static async Task<int> GetAsync(int port, string tag)
    {
        var response = await Wire.GetAsync(port, "/closed?tag=" + tag);
        Assert.Equal(200, response.StatusCode);
        return int.Parse(response.BodyText);
    }

    /// <summary>Polls until the count is <paramref name="expected"/> or 10 s pass; returns the last count seen.</summary>
    public static async Task<int> WaitForAsync(int port, string tag, int expected = 1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var count = await GetAsync(port, tag);
            if (count == expected || DateTime.UtcNow > deadline)
            {
                return count;
            }
            await Task.Delay(50);
        }
    }
}
