#:project ../src/Dram/Dram.csproj
#:property PublishAot=false
// Rewrites docs/settings.md from the settings and hooks declared in the code:
//   dotnet run scripts/settings-doc.cs
using System.Runtime.Versioning;

[assembly: SupportedOSPlatform("linux")]

var root = Path.GetFullPath(Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "scripts", ".."));
var target = Path.Combine(root, "docs", "settings.md");
File.WriteAllText(target, Dram.Configuration.SettingsReference.Markdown());
Console.WriteLine($"wrote {target}");
