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
        return WorkerIdentity.FromEnvironment() is { } identity
            ? await RunWorkerAsync(args, identity)
            : await RunMasterAsync(args);
    }

    private static async Task<int> RunMasterAsync(string[] args)
    {
        CommandLine line;
        try
        {
            line = CommandLine.Parse(args);
        }
        catch (UsageException e)
        {
            return UsageError(e);
        }
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
        if (!line.Has(Settings.PrintConfig) && !line.Has(Settings.CheckConfig))
        {
            // Before anything else runs: the title is set by re-executing, and a config file must
            // be executed once, by the process that stays.
            ProcessTitle.Apply(line.AppModule is { } named ? $"dram: master [{named}]" : "dram: master", args);
        }

        SettingsResolver.Resolution resolution;
        ServerConfig config;
        try
        {
            resolution = SettingsResolver.Resolve(line, args, Environment.GetEnvironmentVariable);
            if (resolution.Settings.Has(Settings.PrintConfig))
            {
                WriteWarnings(resolution.Settings);
                Console.Write(ConfigReport.Render(resolution.Settings));
                return 0;
            }
            config = ServerConfig.From(resolution.Settings);
            if (config.Tls is { } tls)
            {
                // Bad TLS files stop the master before it starts anything, not a worker boot loop.
                TlsCredentials.Load(tls).Dispose();
            }
        }
        catch (UsageException e)
        {
            return UsageError(e);
        }
        catch (PythonLoadException e)
        {
            Console.Error.WriteLine($"dram: error: cannot start Python to read the config file: {e.Message}");
            return ExitPythonLoad;
        }
        if (resolution.Settings.Has(Settings.CheckConfig))
        {
            WriteWarnings(resolution.Settings);
            return ConfigCheck.Run(config, args, pythonStarted: resolution.ConfigFile is not null);
        }

        ErrorLog errorLog;
        try
        {
            errorLog = ErrorLog.Open(config);
        }
        catch (UsageException e)
        {
            return UsageError(e);
        }
        using var loggerFactory = errorLog.CreateLoggerFactory();
        var log = loggerFactory.CreateLogger("dram");
        if (DescriptorLimit.RaiseToHard() is { } files && files.Hard < DescriptorLimit.Comfortable)
        {
            ServerLog.LowDescriptorLimit(log, files.Hard);
        }
        MasterHooks? hooks = null;
        if (resolution.ConfigFile is { } file)
        {
            hooks = MasterHooks.Create(file, resolution.Settings, errorLog);
            // The interpreter was started on this thread to read the config file; from now on
            // hooks take the GIL on whichever thread the arbiter's loop runs.
            PythonRuntime.ReleaseMainThread();
        }
        return await new Arbiter(config, errorLog, log, args, loggerFactory, hooks).RunAsync();
    }

    private static async Task<int> RunWorkerAsync(string[] args, WorkerIdentity identity)
    {
        ServerConfig config;
        try
        {
            var handoff = Environment.GetEnvironmentVariable(EffectiveSettings.HandoffVariable)
                ?? throw new UsageException($"a worker needs the settings its master resolved ({EffectiveSettings.HandoffVariable}); start dram without {WorkerIdentity.IdVariable} in the environment");
            config = ServerConfig.From(EffectiveSettings.FromHandoff(handoff));
        }
        catch (UsageException e)
        {
            return UsageError(e);
        }
        var title = $"dram: worker {identity.Id} [{config.AppModule}]";
        if (HostedWorker.Active)
        {
            ProcessTitle.Overwrite(title);
        }
        else
        {
            ProcessTitle.Apply(title, args);
        }
        // Before Kestrel and the thread pool start threads, so that they inherit it; the Python
        // threads take the ordinary policy back as they start (CpuScheduling says why).
        var batchError = CpuScheduling.BatchFromHere();

        ErrorLog errorLog;
        try
        {
            errorLog = ErrorLog.Open(config);
        }
        catch (UsageException e)
        {
            return UsageError(e);
        }
        using var loggerFactory = errorLog.CreateLoggerFactory();
        var log = loggerFactory.CreateLogger("dram");
        DescriptorLimit.RaiseToHard();
        if (batchError != 0)
        {
            ServerLog.NoBatchScheduling(log, batchError);
        }
        return await new Worker(config, errorLog, loggerFactory, log, args, identity).RunAsync();
    }

    private static int UsageError(UsageException e)
    {
        Console.Error.WriteLine($"dram: error: {e.Message}");
        return ExitUsage;
    }

    /// <summary>Warnings about the settings, for runs that stop before the log starts (--print-config, --check-config).</summary>
    private static void WriteWarnings(EffectiveSettings settings)
    {
        foreach (var unsupported in settings.Unsupported)
        {
            Console.Error.WriteLine($"dram: warning: setting not supported yet and ignored: {unsupported}");
        }
        foreach (var warning in settings.Warnings)
        {
            Console.Error.WriteLine($"dram: warning: {warning}");
        }
    }
}
