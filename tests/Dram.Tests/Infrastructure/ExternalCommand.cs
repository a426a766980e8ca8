using System.Diagnostics;
using System.Text;

namespace Dram.Tests.Infrastructure;

/// <summary>Runs a program to completion (manage.py, initdb, openssl, nginx -t) and keeps its output.</summary>
public static class ExternalCommand
{
    /// <summary>Runs <paramref name="file"/> and returns its exit code and its stdout and stderr interleaved.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> args,
        IDictionary<string, string>? environment = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish:\n{Text(output)}");
        }
        process.WaitForExit();
        return (process.ExitCode, Text(output));
    }

    /// <summary>Like <see cref="RunAsync"/>, but a non-zero exit code throws with the whole output.</summary>
    public static async Task<string> RunCheckedAsync(string file, IEnumerable<string> args,
        IDictionary<string, string>? environment = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var list = args.ToList();
        var (exitCode, output) = await RunAsync(file, list, environment, workingDirectory, timeout);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', list)} exited with {exitCode}:\n{output}");
        }
        return output;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
