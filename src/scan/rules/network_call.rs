//! `network-call`: a call to a remote host with no mock or local server in scope.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::scan::facts::{Peer, Request};

/// Every request the languages found. To a host the scan cannot read, it is less sure: Go
/// reports those only in tests whose file starts no `httptest` server, and keeps its severity.
pub fn check(request: &Request, lang: Lang) -> Option<Smell> {
    let rule = RULE.variant_in(lang);
    Some(match &request.peer {
        Peer::Remote(host) => rule.says(
            &request.call,
            format!("calls {host} over the network without a mock"),
        ),
        Peer::Unknown => {
            let (severity, confidence) = match lang {
                Lang::Go => (Severity::High, Confidence::Medium),
                Lang::JavaScript => (Severity::Medium, Confidence::Medium),
                _ => (Severity::Medium, Confidence::Low),
            };
            rule.severity(severity).confidence(confidence).says(
                &request.call,
                "makes a network call, to a host the scan cannot tell, without a mock or a local server",
            )
        }
    })
}

pub const RULE: Rule = Rule {
    id: "network-call",
    category: Category::Network,
    severity: Severity::High,
    confidence: Confidence::High,
    summary: "a call to a remote host with no mock or local server in scope",
    former: &["py/network", "js/network"],
    python: "mock the call (responses, requests-mock, respx, pytest-httpx, unittest.mock.patch) or serve it locally (pytest-httpserver), so the test does not depend on a remote host",
    javascript: "mock the client (jest.mock / vi.mock, nock, msw setupServer) or serve the test from a local server on 127.0.0.1",
    go: "serve the response from httptest.NewServer, or inject an http.RoundTripper or a dialer",
    rust: "serve the response from a local mock (mockito, wiremock, httpmock) or a TcpListener on 127.0.0.1:0",
    doc: r##"# network-call (network)

## What it finds
A call that reaches another host with no mock or local server in scope. Python: `requests`, `httpx`, `urllib.request.urlopen`, `urllib3`, `aiohttp`, `http.client`, `socket.create_connection`/`getaddrinfo`, `smtplib`, `ftplib`, `websockets`, and `get`/`post`/... with a URL on a `requests.Session()` or `httpx.Client()` made in scope. JavaScript: `fetch`, axios, got, ky, superagent, `http(s).get/request`, `net`/`tls` connections, `dns` lookups, `new WebSocket`/`EventSource`. Go: `http.Get`/`Head`/`Post`/`PostForm`, `http.DefaultClient`, and `net.Dial*`/`Lookup*`/`Resolve*`. Rust: `reqwest::get`, `ureq`, `TcpStream::connect`, `tokio::net::lookup_host`, and `client.get("https://...")...send()`. In Rust test code, a listener on an ephemeral or computed address (`TcpListener::bind("127.0.0.1:0")`) is a real socket on this machine: context, shown by `flaky scan --every` and among the likely causes of a test measured flaky (its timing differs between platforms and under load), not by a plain scan. Local addresses (localhost, `127.x`, `::1`, `0.0.0.0`, `testserver`) are left alone, and so are calls under a mock: Python's responses, requests-mock, respx, vcr, pytest-httpserver, a fixture-provided URL or a patched client; JavaScript's `jest.mock`/`vi.mock` of the client, nock, msw, fetch-mock anywhere in the file. When the host cannot be read, Python reports at medium severity and low confidence, and JavaScript at medium (not at all if the file starts a server: `http.createServer`, `listen`, a `withServer` helper; Node's clients given options that name no host go to this machine). Go reports such a call only in a test, with medium confidence, and only if the file uses no `httptest` and the address is not the `Addr()` of a listener the function opens. Rust reports only literal remote addresses.

## Why it makes tests flaky
A remote host can be slow, rate-limit the CI runner's address, change its answer, or be down. DNS can fail, and CI runners are sometimes offline. The test then fails for reasons that have nothing to do with the code.

## Example
```python
def test_fetches_rates():
    rates = requests.get("https://api.exchange.example/latest").json()
    assert "EUR" in rates
```
```javascript
test('fetches rates', async () => {
  const res = await fetch('https://api.exchange.example/latest');
  expect(await res.json()).toHaveProperty('EUR');
});
```
```go
func TestFetchesRates(t *testing.T) {
	resp, err := http.Get("https://api.exchange.example/latest")
	if err != nil || resp.StatusCode != 200 { t.Fatal(err) }
}
```
```rust
#[test]
fn fetches_rates() {
    let body = reqwest::blocking::get("https://api.exchange.example/latest").unwrap().text().unwrap();
    assert!(body.contains("EUR"));
}
```

## Fix
```python
@responses.activate
def test_fetches_rates():
    responses.get("https://api.exchange.example/latest", json={"EUR": 1.0})
    assert "EUR" in requests.get("https://api.exchange.example/latest").json()
```
```javascript
  nock('https://api.exchange.example').get('/latest').reply(200, { EUR: 1 });
```
```go
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"EUR":1}`)) }))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
```
```rust
    let mut server = mockito::Server::new();
    server.mock("GET", "/latest").with_body(r#"{"EUR":1}"#).create();
    let body = reqwest::blocking::get(format!("{}/latest", server.url())).unwrap().text().unwrap();
```
"##,
};
