namespace Dram.Tests.Hostile;

/// <summary>What came back on one connection: every byte, whether the server closed it, and whether with a reset.</summary>
public sealed record ExchangeResult(byte[] Received, bool ClosedByServer, bool Reset)
{
    public ResponseSequence Parse() => ResponseSequence.Parse(Received, ClosedByServer);
}
