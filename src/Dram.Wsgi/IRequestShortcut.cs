using Microsoft.AspNetCore.Http.Features;

namespace Dram.Wsgi;

/// <summary>Answers some requests without Python (static files); the rest go to the app.</summary>
public interface IRequestShortcut
{
    /// <summary>Null when the request is not for this shortcut; otherwise the task that answers it.</summary>
    Task? TryHandle(IFeatureCollection features);
}
