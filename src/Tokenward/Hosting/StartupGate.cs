namespace Tokenward.Hosting;

/// <summary>
/// <c>serve</c> listens before it creates root (so a busy port fails before a root token is
/// printed); between the two, requests are answered 503 with <c>Retry-After</c> and
/// <c>/-/health</c> is not yet healthy, so a client waiting for the server never meets a
/// database without its administrator.
/// </summary>
public sealed class StartupGate
{
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _ready = true;

    public bool Ready => _ready;

    /// <summary>Completes once the gate is open (at once when it never closed).</summary>
    public Task Opened => _ready ? Task.CompletedTask : _opened.Task;

    /// <summary>Closes the gate until <see cref="Open"/>.</summary>
    public void Starting() => _ready = false;

    public void Open()
    {
        _ready = true;
        _opened.TrySetResult();
    }

    /// <summary>The middleware: 503 while starting, for every path.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (_ready)
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "1";
        await context.Response.WriteAsJsonAsync(new Dictionary<string, string> { ["message"] = "503 Service Unavailable - starting, retry later" });
    }
}
