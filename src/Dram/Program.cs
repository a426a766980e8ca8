using Dram.Configuration;
using Dram.Hosting;
using Dram.Logging;
using Dram.Processes;
using Dram.Python;
using Dram.Wsgi;
using Microsoft.Extensions.Logging;

namespace Dram;

/// <summary>The dram command: load the app, listen, serve until told to stop.</summary>
public static class Program
{
    public const int ExitUsage = 2;
    public const int ExitPythonLoad = 3;
    public const int ExitAppLoad = 4;
    public const int ExitBind = 1;

    public static string Version => typeof(Program).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static async Task<int> Main(string[] argv)
    {
        var args = ProcessTitle.Arguments(argv);
        // Socket completions run on the epoll thread instead of hopping to the thread pool. Safe
        // here because nothing on that path blocks: app code runs on Python threads only.
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
        {
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        }

        var identity = WorkerIdentity.FromEnvironment();
        CommandLine line;
        ServerConfig config;
        ErrorLog errorLog;
        try
        {
            line = CommandLine.Parse(args);
            if (line.Has(Settings.Help))
            {
                Console.WriteLine(CommandLine.HelpText());
                return 0;
            }
            if (line.Has(Settings.Version))
            {
                Console.WriteLine($"dram {Version}");
                return 0;
            }
            config = ServerConfig.From(line);
            if (identity is null && config.Tls is { } tls)
            {
                // Bad TLS files stop the master before it starts anything, not a worker boot loop.
                TlsCredentials.Load(tls).Dispose();
            }
            errorLog = ErrorLog.Open(config);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"dram: error: {e.Message}");
            return ExitUsage;
        }

        ProcessTitle.Apply(identity is null ? $"dram: master [{config.AppModule}]" : $"dram: worker {identity.Id} [{config.AppModule}]", args);

        using var loggerFactory = LoggerFactory.Create(b => b.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddProvider(errorLog));
        var log = loggerFactory.CreateLogger("dram");
        if (DescriptorLimit.RaiseToHard() is { } files && identity is null && files.Hard < DescriptorLimit.Comfortable)
        {
            ServerLog.LowDescriptorLimit(log, files.Hard);
        }
        if (identity is not null)
        {
            return await new Worker(config, errorLog, loggerFactory, log, args, identity).RunAsync();
        }
        return await new Arbiter(config, errorLog, log, args, loggerFactory).RunAsync();
    }
}
