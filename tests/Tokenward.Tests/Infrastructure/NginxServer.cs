using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Tokenward.Tests.Infrastructure;

/// <summary>
/// Debian's nginx as a round-robin load balancer on a free loopback port in front of the given
/// upstreams, configured as docs/operations.md advises (forwarded address, retry on a node that
/// refuses). Its access log names the upstream that answered each request. Stopped on dispose.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private NginxServer(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
    }

    public Uri Url { get; }

    /// <summary>One line per request: <c>UPSTREAM(S) STATUS METHOD URI</c>, as nginx wrote them.</summary>
    public string AccessLogPath => Path.Combine(_dir, "access.log");

    public static Task<NginxServer> StartAsync(IEnumerable<Uri> upstreams)
    {
        var servers = string.Concat(upstreams.Select(u => $"    server {u.Host}:{u.Port.ToString(CultureInfo.InvariantCulture)} max_fails=0;\n"));
        return StartAsync(port => $$"""
              upstream tokenward {
            {{servers}}    keepalive 16;
              }
              server {
                listen 127.0.0.1:{{port}};
                location / {
                  proxy_pass http://tokenward;
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_set_header Host $host;
                  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                  proxy_set_header X-Forwarded-Proto $scheme;
                  proxy_next_upstream error timeout http_502 http_503;
                  proxy_connect_timeout 2s;
                }
              }
            """);
    }

    /// <summary>
    /// nginx guarding a small upstream of its own (which echoes the identity headers it gets) with
    /// <c>auth_request</c> to Tokenward's <c>/-/auth</c>, as docs/operations.md configures it:
    /// <c>/</c> needs <c>read_api</c>, <c>/write/</c> needs <c>api</c>. The client's address is
    /// taken from its <c>X-Forwarded-For</c> (realip), so a test can be several clients.
    /// </summary>
    public static Task<NginxServer> StartAuthRequestAsync(Uri tokenward)
    {
        var upstream = Ports.Free();
        string Check(string name, string scope) => $$"""
                location = {{name}} {
                  internal;
                  proxy_pass http://tokenward/-/auth?scope={{scope}};
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_pass_request_body off;
                  proxy_set_header Content-Length "";
                  proxy_set_header X-Original-URI $request_uri;
                  proxy_set_header X-Forwarded-For $remote_addr;
                }
            """;
        const string Guarded = """
                  auth_request_set $tw_user $upstream_http_x_tokenward_user;
                  auth_request_set $tw_user_id $upstream_http_x_tokenward_user_id;
                  auth_request_set $tw_token_id $upstream_http_x_tokenward_token_id;
                  auth_request_set $tw_scopes $upstream_http_x_tokenward_scopes;
                  proxy_set_header X-Tokenward-User $tw_user;
                  proxy_set_header X-Tokenward-User-Id $tw_user_id;
                  proxy_set_header X-Tokenward-Token-Id $tw_token_id;
                  proxy_set_header X-Tokenward-Scopes $tw_scopes;
            """;
        return StartAsync(port => $$"""
              upstream tokenward {
                server {{tokenward.Host}}:{{tokenward.Port}};
                keepalive 16;
              }
              server {
                listen 127.0.0.1:{{port}};
                set_real_ip_from 127.0.0.1;
                real_ip_header X-Forwarded-For;
                location / {
                  auth_request /-/tokenward-read;
            {{Guarded}}
                  proxy_pass http://127.0.0.1:{{upstream}};
                }
                location /write/ {
                  auth_request /-/tokenward-write;
            {{Guarded}}
                  proxy_pass http://127.0.0.1:{{upstream}};
                }
            {{Check("/-/tokenward-read", "read_api")}}
            {{Check("/-/tokenward-write", "api")}}
              }
              server {
                listen 127.0.0.1:{{upstream}};
                location / {
                  default_type text/plain;
                  return 200 "user=$http_x_tokenward_user user_id=$http_x_tokenward_user_id token_id=$http_x_tokenward_token_id scopes=$http_x_tokenward_scopes uri=$request_uri\n";
                }
              }
            """);
    }

    /// <summary>Starts nginx with the given <c>upstream</c> and <c>server</c> blocks (given the port to listen on) in its <c>http</c> block.</summary>
    private static async Task<NginxServer> StartAsync(Func<int, string> blocks)
    {
        const string binary = "/usr/sbin/nginx";
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException("nginx not found; install Debian's nginx (scripts/test does).");
        }

        var dir = Path.Combine(Path.GetTempPath(), "tokenward-nginx-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var port = Ports.Free();
        var config = $$"""
            daemon off;
            master_process on;
            worker_processes 1;
            user root;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/error.log warn;
            events { worker_connections 1024; }
            http {
              client_body_temp_path {{dir}}/body;
              proxy_temp_path {{dir}}/proxy;
              fastcgi_temp_path {{dir}}/fastcgi;
              uwsgi_temp_path {{dir}}/uwsgi;
              scgi_temp_path {{dir}}/scgi;
              log_format nodes '$upstream_addr $status $request_method $request_uri';
              access_log {{dir}}/access.log nodes;
            {{blocks(port)}}
            }
            """;
        var configPath = Path.Combine(dir, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);
        var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-c", configPath, "-p", dir, "-e", Path.Combine(dir, "error.log") })
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill(process);
        var server = new NginxServer(process, dir, port);
        var deadline = Deadline.InSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException)
            {
                if (process.HasExited || deadline.Passed)
                {
                    var errors = File.Exists(Path.Combine(dir, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(dir, "error.log")) : string.Empty;
                    await server.DisposeAsync();
                    throw new InvalidOperationException("nginx did not start: " + errors);
                }

                await Task.Delay(50);
            }
        }
    }

    /// <summary>The access log's lines, after nginx has written them (it writes each at the response's end).</summary>
    public async Task<string[]> AccessLogAsync() => File.Exists(AccessLogPath) ? await File.ReadAllLinesAsync(AccessLogPath) : [];

    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                // The master takes its workers with it on SIGTERM; SIGKILL would leave them.
                using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
                kill.WaitForExit();
                if (!process.WaitForExit(5000))
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}
