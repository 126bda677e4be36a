//! `fixed-port`: a test server listening on a port the test names.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::scan::facts::Listen;

/// A listener on a fixed, non-zero port in test code, or on port 0 closed again once its port
/// is read (a "free port" that is free only until then). Port 0 kept open lets the system pick
/// a free port; the code under test listening on its default port is not what the test chose.
pub fn check(listen: &Listen, lang: Lang) -> Option<Smell> {
    if !listen.test_code {
        return None;
    }
    let rule = RULE.variant_in(lang);
    Some(match (listen.port, listen.released) {
        (0, false) => return None,
        (0, true) => rule.says(
            &listen.call,
            "picks a free port, then closes it before the port is used: another process (or another attempt of the suite) can take it in between",
        ),
        (port, _) => rule.says(&listen.call, format!(
            "listens on the fixed port {port}: two runs of the suite at once, or anything else on the machine using that port, make it fail with \"address already in use\""
        )),
    })
}

pub const RULE: Rule = Rule {
    id: "fixed-port",
    category: Category::Network,
    severity: Severity::High,
    confidence: Confidence::High,
    summary: "a test server listening on a fixed port, which parallel runs and other programs collide on",
    former: &[],
    python: "bind the server itself to port 0 and read the port the system chose (server.server_address[1]), then pass it to the client; keep the socket that holds the port open until the server has it",
    javascript: "listen on port 0 and read the port the system chose (server.address().port), then pass it to the client",
    go: "listen on \"127.0.0.1:0\" and hand that listener to the server (http.Serve(l, h)), reading the port from l.Addr(); or use httptest.NewServer, which does so; a port read and closed is free only until the close",
    rust: "bind to \"127.0.0.1:0\" and read the port the system chose (listener.local_addr()?.port()), then pass it to the client",
    doc: r#"# fixed-port (network)

## What it finds
A server or socket in test code that listens on this machine at a port written in the code. Python: `sock.bind((host, 8600))`, `HTTPServer((host, 8000), ...)` and the other `socketserver` servers, `make_server(host, 8000, app)`, `asyncio.start_server(handler, host, 8888)`, and `port=8000` (or `local_port=`) given to `run`, `serve`, `start_server`, `create_server`, `run_app`, anyio's `create_tcp_listener`, also where the port is a parameter that a `@pytest.mark.parametrize` case sets to a fixed number. JavaScript: `.listen(3000)`, `.listen({ port: 3000 })`, `{ port: 3000 }` given to `new ...Server(...)` or to a helper that starts one (`startServer(app, { port: 3000 })`), a port variable whose default is fixed (`{ port = 4444 } = options`), and a fixed fallback (`process.env.PORT || 3000`). Go: `net.Listen`/`net.ListenPacket`/`http.ListenAndServe` with an address such as `":8080"` or `"127.0.0.1:8600"`, and `Addr: ":8080"` in a `...Server{}` literal. Rust: `TcpListener::bind`/`UdpSocket::bind` (std, tokio, async-std) with an address such as `"127.0.0.1:8080"`. Also a "free port" picked by binding port 0, reading the port and closing the socket again in the same function (Python `bind((host, 0))`, `getsockname()`, `close()` or the end of its `with`; Go `net.Listen("tcp", ":0")`, `l.Addr()`, `l.Close()`): the port is free only until the close. In Go, a listener closed only in a `defer` or `t.Cleanup`, or used for more than its address and the close (`Accept`, handed to a server), is kept, not released. Port 0 kept by the server that uses it is left alone, and so is the code under test listening on its own default port.

## Why it makes tests flaky
A port is one per machine. A port picked free and released is only a guess that nobody takes it before the server binds it again. When two runs of the suite overlap (two CI jobs on one runner, parallel test processes, `flaky run` measuring attempts side by side), or a previous run's server has not released the port yet, or any other program holds it, `bind` fails with "address already in use" and the test fails for a reason that has nothing to do with the code. A client in the test that connects to the fixed port may even talk to somebody else's server.

## Example
```python
def test_health():
    server = HTTPServer(("127.0.0.1", 8000), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    assert requests.get("http://127.0.0.1:8000/health").ok
```
```javascript
test('serves health', async () => {
  const server = app.listen(3000);
  expect((await fetch('http://localhost:3000/health')).ok).toBe(true);
  server.close();
});
```
```go
func TestHealth(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:8080")
	go http.Serve(l, handler())
	resp, _ := http.Get("http://127.0.0.1:8080/health")
	if resp.StatusCode != 200 { t.Fatal(resp.Status) }
}
```
```rust
#[test]
fn serves_health() {
    let listener = TcpListener::bind("127.0.0.1:8080").unwrap();
    serve_in_background(listener);
    assert!(get("http://127.0.0.1:8080/health").is_ok());
}
```

## Fix
```python
    server = HTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
```
```javascript
  const server = app.listen(0);
  const { port } = server.address();
```
```go
	srv := httptest.NewServer(handler()) // a free port; srv.URL has it
```
```rust
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
```
Let the system pick a free port and hand that port to the client.
"#,
};
