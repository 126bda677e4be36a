//! Loopback HTTP/1.1 servers for the notify tests: a small hand-written server (std only, one
//! thread per connection, bounded lifetime) and emulators of the GitHub REST API and of Slack
//! incoming webhooks that check requests the way those APIs define them.

use std::collections::BTreeSet;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// A server stops accepting after this long, whatever the test does.
const LIFETIME: Duration = Duration::from_secs(60);
/// A connection with no request for this long is closed.
const IDLE: Duration = Duration::from_secs(5);
const MAX_HEADERS: usize = 100;
const MAX_BODY: usize = 16 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Waited before answering, to make the client time out.
    pub delay: Duration,
    /// When not 0: the body is this many spaces instead, without a length, then the connection
    /// closes (an answer far longer than any real one).
    pub flood: u64,
}

impl Response {
    pub fn text(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
            flood: 0,
        }
    }

    pub fn json(status: u16, body: &Value) -> Response {
        Response {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: body.to_string(),
            delay: Duration::ZERO,
            flood: 0,
        }
    }

    /// A 200 whose body is `bytes` long, sent without a length.
    pub fn flood(bytes: u64) -> Response {
        Response {
            flood: bytes,
            ..Response::text(200, "")
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Response {
        self.delay = delay;
        self
    }
}

type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// Serves `handler` on 127.0.0.1 until dropped (or [`LIFETIME`] has passed).
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("make the listener non-blocking");
        let addr = listener.local_addr().expect("listener address");
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Handler = Arc::new(handler);
        let accept = thread::spawn({
            let stop = stop.clone();
            move || {
                let started = Instant::now();
                while !stop.load(Ordering::SeqCst) && started.elapsed() < LIFETIME {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let handler = handler.clone();
                            thread::spawn(move || serve(stream, &*handler));
                        }
                        Err(_) => thread::sleep(Duration::from_millis(2)),
                    }
                }
            }
        });
        Server {
            addr,
            stop,
            accept: Some(accept),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn serve(stream: TcpStream, handler: &(dyn Fn(&Request) -> Response + Send + Sync)) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(IDLE));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(problem) => {
                let mut response = Response::text(400, &format!("test server: {problem}"));
                response.headers.push(("Connection".into(), "close".into()));
                let _ = write_response(&mut writer, &response);
                return;
            }
        };
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let response = handler(&request);
        if !response.delay.is_zero() {
            thread::sleep(response.delay);
        }
        if write_response(&mut writer, &response).is_err() || close || response.flood > 0 {
            return;
        }
    }
}

fn read_line(reader: &mut impl BufRead) -> Result<Option<String>, String> {
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) => Ok(None),
        Ok(_) => {
            if !line.ends_with("\r\n") {
                return Err("lines must end with CRLF".into());
            }
            line.truncate(line.len() - 2);
            Ok(Some(line))
        }
        Err(error) if error.kind() == io::ErrorKind::InvalidData => {
            Err("request head is not UTF-8".into())
        }
        Err(_) => Ok(None),
    }
}

/// One request, `None` at a clean end of the connection.
fn read_request(reader: &mut impl BufRead) -> Result<Option<Request>, String> {
    let Some(line) = read_line(reader)? else {
        return Ok(None);
    };
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, target, version] = parts.as_slice() else {
        return Err(format!("bad request line {line:?}"));
    };
    if *version != "HTTP/1.1" {
        return Err(format!("expected HTTP/1.1, got {version:?}"));
    }
    if !target.starts_with('/') {
        return Err(format!("expected an origin-form target, got {target:?}"));
    }
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or("connection closed inside the head")?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("bad header line {line:?}"))?;
        if name.is_empty() || name.contains(|c: char| c.is_whitespace()) {
            return Err(format!("bad header name {name:?}"));
        }
        headers.push((name.to_string(), value.trim().to_string()));
        if headers.len() > MAX_HEADERS {
            return Err("too many headers".into());
        }
    }
    let mut request = Request {
        method: method.to_string(),
        target: target.to_string(),
        path: String::new(),
        query: Vec::new(),
        headers,
        body: Vec::new(),
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    request.path = percent_decode(path);
    request.query = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    if request.header("host").is_none() {
        return Err("HTTP/1.1 requires a Host header".into());
    }
    let lengths: Vec<&str> = request
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.as_str())
        .collect();
    if request
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        if !lengths.is_empty() {
            return Err("both Content-Length and chunked encoding".into());
        }
        request.body = read_chunked(reader)?;
    } else if let [length] = lengths.as_slice() {
        let length: usize = length
            .parse()
            .map_err(|_| format!("bad Content-Length {length:?}"))?;
        if length > MAX_BODY {
            return Err("body too large".into());
        }
        let mut body = vec![0; length];
        reader
            .read_exact(&mut body)
            .map_err(|e| format!("body shorter than Content-Length: {e}"))?;
        request.body = body;
    } else if lengths.len() > 1 {
        return Err("several Content-Length headers".into());
    }
    Ok(Some(request))
}

fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or("connection closed inside a chunk")?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size =
            usize::from_str_radix(size, 16).map_err(|_| format!("bad chunk size {size:?}"))?;
        if size == 0 {
            while !read_line(reader)?
                .ok_or("connection closed in trailers")?
                .is_empty()
            {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err("body too large".into());
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader
            .read_exact(&mut body[start..])
            .map_err(|e| format!("short chunk: {e}"))?;
        if read_line(reader)?.is_none_or(|rest| !rest.is_empty()) {
            return Err("chunk not followed by CRLF".into());
        }
    }
}

fn percent_decode(text: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| Some(hex(bytes[i + 1])? * 16 + hex(bytes[i + 2])?))
            .flatten();
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, byte) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn write_response(writer: &mut impl Write, response: &Response) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if response.flood > 0 {
        head.push_str("Connection: close\r\n\r\n");
        writer.write_all(head.as_bytes())?;
        let chunk = [b' '; 64 * 1024];
        let mut left = response.flood;
        while left > 0 {
            let n = left.min(chunk.len() as u64);
            writer.write_all(&chunk[..n as usize])?;
            left -= n;
        }
        return writer.flush();
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", response.body.len()));
    writer.write_all(head.as_bytes())?;
    writer.write_all(response.body.as_bytes())?;
    writer.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// An answer given instead of the normal one, `times` times (`usize::MAX`: always).
#[derive(Clone, Debug)]
pub struct Fault {
    /// `GET`, `POST`, `PATCH`, or `*` for any.
    pub method: &'static str,
    pub times: usize,
    pub response: Response,
    /// Carry the request out first, then answer `response` anyway (the comment was created but
    /// the client is told otherwise).
    pub apply: bool,
}

impl Fault {
    pub fn new(method: &'static str, times: usize, response: Response) -> Fault {
        Fault {
            method,
            times,
            response,
            apply: false,
        }
    }

    pub fn applied(mut self) -> Fault {
        self.apply = true;
        self
    }
}

/// Takes the first fault that matches `method`, counting it down.
fn take_fault(faults: &mut [Fault], method: &str) -> Option<Fault> {
    let fault = faults
        .iter_mut()
        .find(|f| f.times > 0 && (f.method == "*" || f.method == method))?;
    if fault.times != usize::MAX {
        fault.times -= 1;
    }
    Some(fault.clone())
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ---------------------------------------------------------------------------------------------
// GitHub

pub const GH_TOKEN: &str = "ghs_T0kenThatMustNeverBePrinted42";
pub const GH_OWNER: &str = "octo-org";
pub const GH_REPO: &str = "widgets";
const GH_REPO_ID: u64 = 1_296_269;
const GH_API_VERSION: &str = "2022-11-28";
const GH_MAX_BODY: usize = 65_536;
/// The pull requests that exist.
pub const GH_PRS: [u64; 2] = [7, 8];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GhComment {
    pub id: u64,
    pub pr: u64,
    pub body: String,
    pub login: String,
}

pub struct GhState {
    base: String,
    prs: BTreeSet<u64>,
    comments: Vec<GhComment>,
    next_id: u64,
    faults: Vec<Fault>,
    log: Vec<String>,
}

/// The issue-comment endpoints of the GitHub REST API (version 2022-11-28), comments kept in
/// memory per pull request.
pub struct GithubEmulator {
    server: Server,
    state: Arc<Mutex<GhState>>,
}

impl GithubEmulator {
    pub fn start() -> GithubEmulator {
        let state = Arc::new(Mutex::new(GhState {
            base: String::new(),
            prs: GH_PRS.into_iter().collect(),
            comments: Vec::new(),
            next_id: 1_000_001,
            faults: Vec::new(),
            log: Vec::new(),
        }));
        let server = Server::start({
            let state = state.clone();
            move |request| github(&mut lock(&state), request)
        });
        lock(&state).base = server.url();
        GithubEmulator { server, state }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Comments written by someone else, before the test.
    pub fn add_comments(&self, pr: u64, bodies: impl IntoIterator<Item = String>) {
        let mut state = lock(&self.state);
        for body in bodies {
            let id = state.next_id;
            state.next_id += 1;
            state.comments.push(GhComment {
                id,
                pr,
                body,
                login: "octocat".into(),
            });
        }
    }

    pub fn comments(&self, pr: u64) -> Vec<GhComment> {
        lock(&self.state)
            .comments
            .iter()
            .filter(|c| c.pr == pr)
            .cloned()
            .collect()
    }

    pub fn push_fault(&self, fault: Fault) {
        lock(&self.state).faults.push(fault);
    }

    /// `METHOD target` of every request received, in order.
    pub fn log(&self) -> Vec<String> {
        lock(&self.state).log.clone()
    }
}

fn gh_error(status: u16, message: &str, doc: &str) -> Response {
    Response::json(
        status,
        &json!({
            "message": message,
            "documentation_url": format!("https://docs.github.com/rest/{doc}"),
            "status": status.to_string(),
        }),
    )
}

fn gh_not_found() -> Response {
    gh_error(404, "Not Found", "issues/comments")
}

fn rate_headers(response: Response) -> Response {
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() + 3600)
        .unwrap_or(0);
    response
        .with_header("x-ratelimit-limit", "5000")
        .with_header("x-ratelimit-remaining", "4990")
        .with_header("x-ratelimit-reset", &reset.to_string())
        .with_header("x-ratelimit-used", "10")
        .with_header("x-ratelimit-resource", "core")
}

fn github(state: &mut GhState, request: &Request) -> Response {
    state
        .log
        .push(format!("{} {}", request.method, request.target));
    if request
        .header("user-agent")
        .is_none_or(|ua| ua.trim().is_empty())
    {
        return gh_error(
            403,
            "Request forbidden by administrative rules. Please make sure your request has a \
             User-Agent header",
            "overview/resources-in-the-rest-api#user-agent-required",
        );
    }
    match request.header("authorization") {
        None => return gh_error(401, "Requires authentication", "issues/comments"),
        Some(value) => {
            let token = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("token "));
            if token != Some(GH_TOKEN) {
                return gh_error(401, "Bad credentials", "rest");
            }
        }
    }
    match request.header("x-github-api-version") {
        Some(GH_API_VERSION) => {}
        Some(other) => {
            return gh_error(
                400,
                &format!("API version {other} is not supported."),
                "overview/api-versions",
            );
        }
        None => {
            return gh_error(
                400,
                "emulator: X-GitHub-Api-Version is missing; flaky pins 2022-11-28",
                "overview/api-versions",
            );
        }
    }
    if request.header("accept") != Some("application/vnd.github+json") {
        return gh_error(
            415,
            "emulator: Accept must be application/vnd.github+json",
            "overview/media-types",
        );
    }
    if let Some(fault) = take_fault(&mut state.faults, &request.method) {
        if fault.apply {
            let _ = route(state, request);
        }
        return fault.response;
    }
    rate_headers(route(state, request))
}

fn route(state: &mut GhState, request: &Request) -> Response {
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let is_repo = |owner: &str, repo: &str| {
        owner.eq_ignore_ascii_case(GH_OWNER) && repo.eq_ignore_ascii_case(GH_REPO)
    };
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["repos", owner, repo, "issues", number, "comments"]) => {
            if !is_repo(owner, repo) {
                return gh_not_found();
            }
            list_comments(state, request, number)
        }
        ("GET", ["repositories", id, "issues", number, "comments"]) => {
            if *id != GH_REPO_ID.to_string() {
                return gh_not_found();
            }
            list_comments(state, request, number)
        }
        ("POST", ["repos", owner, repo, "issues", number, "comments"]) => {
            if !is_repo(owner, repo) {
                return gh_not_found();
            }
            create_comment(state, request, number)
        }
        ("PATCH", ["repos", owner, repo, "issues", "comments", id]) => {
            if !is_repo(owner, repo) {
                return gh_not_found();
            }
            update_comment(state, request, id)
        }
        _ => gh_not_found(),
    }
}

fn pr_number(state: &GhState, number: &str) -> Option<u64> {
    let number: u64 = number.parse().ok()?;
    state.prs.contains(&number).then_some(number)
}

fn list_comments(state: &GhState, request: &Request, number: &str) -> Response {
    let Some(pr) = pr_number(state, number) else {
        return gh_not_found();
    };
    if let Some((key, _)) = request
        .query
        .iter()
        .find(|(k, _)| !matches!(k.as_str(), "per_page" | "page" | "since"))
    {
        return gh_error(
            400,
            &format!("emulator: unexpected query parameter {key:?}"),
            "issues/comments#list-issue-comments",
        );
    }
    // As GitHub: 30 by default, at most 100.
    let per_page = request
        .query("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(30)
        .min(100);
    let page = request
        .query("page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1);
    let all: Vec<&GhComment> = state.comments.iter().filter(|c| c.pr == pr).collect();
    let items: Vec<Value> = all
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|c| comment_json(&state.base, c))
        .collect();
    let last = all.len().div_ceil(per_page).max(1);
    let link = |page: usize, rel: &str| {
        format!(
            "<{}/repositories/{GH_REPO_ID}/issues/{pr}/comments?per_page={per_page}&page={page}>; \
             rel=\"{rel}\"",
            state.base
        )
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(link(page - 1, "prev"));
    }
    if page < last {
        links.push(link(page + 1, "next"));
        links.push(link(last, "last"));
    }
    if page > 1 {
        links.push(link(1, "first"));
    }
    let mut response = Response::json(200, &Value::Array(items));
    if !links.is_empty() {
        response = response.with_header("Link", &links.join(", "));
    }
    response
}

/// The request body of POST and PATCH: exactly `{"body": "<text>"}`, as JSON.
fn comment_body(request: &Request) -> Result<String, Response> {
    let doc = "issues/comments#create-an-issue-comment";
    if !request.header("content-type").is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|t| t.trim() == "application/json")
    }) {
        return Err(gh_error(
            415,
            "emulator: Content-Type must be application/json",
            doc,
        ));
    }
    let Ok(value) = serde_json::from_slice::<Value>(&request.body) else {
        return Err(gh_error(400, "Problems parsing JSON", doc));
    };
    let Some(object) = value.as_object() else {
        return Err(gh_error(400, "Problems parsing JSON", doc));
    };
    if let Some(key) = object.keys().find(|k| k.as_str() != "body") {
        return Err(gh_error(
            422,
            &format!("emulator: unexpected key {key:?}; the body is {{\"body\": ...}}"),
            doc,
        ));
    }
    match object.get("body") {
        None => Err(gh_error(
            422,
            "Invalid request.\n\n\"body\" wasn't supplied.",
            doc,
        )),
        Some(Value::String(body)) if body.chars().count() > GH_MAX_BODY => Err(Response::json(
            422,
            &json!({
                "message": "Validation Failed",
                "errors": [{
                    "resource": "IssueComment",
                    "code": "custom",
                    "field": "body",
                    "message": "body is too long (maximum is 65536 characters)",
                }],
                "documentation_url": format!("https://docs.github.com/rest/{doc}"),
                "status": "422",
            }),
        )),
        Some(Value::String(body)) => Ok(body.clone()),
        Some(other) => Err(gh_error(
            422,
            &format!("Invalid request.\n\nFor 'properties/body', {other} is not a string."),
            doc,
        )),
    }
}

fn create_comment(state: &mut GhState, request: &Request, number: &str) -> Response {
    if !request.query.is_empty() {
        return gh_error(400, "emulator: no query expected", "issues/comments");
    }
    let Some(pr) = pr_number(state, number) else {
        return gh_not_found();
    };
    let body = match comment_body(request) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let id = state.next_id;
    state.next_id += 1;
    let comment = GhComment {
        id,
        pr,
        body,
        login: "github-actions[bot]".into(),
    };
    let json = comment_json(&state.base, &comment);
    state.comments.push(comment);
    Response::json(201, &json).with_header(
        "Location",
        &format!(
            "{}/repos/{GH_OWNER}/{GH_REPO}/issues/comments/{id}",
            state.base
        ),
    )
}

fn update_comment(state: &mut GhState, request: &Request, id: &str) -> Response {
    if !request.query.is_empty() {
        return gh_error(400, "emulator: no query expected", "issues/comments");
    }
    let Some(index) = id
        .parse::<u64>()
        .ok()
        .and_then(|id| state.comments.iter().position(|c| c.id == id))
    else {
        return gh_not_found();
    };
    let body = match comment_body(request) {
        Ok(body) => body,
        Err(response) => return response,
    };
    state.comments[index].body = body;
    Response::json(200, &comment_json(&state.base, &state.comments[index]))
}

fn comment_json(base: &str, comment: &GhComment) -> Value {
    let id = comment.id;
    let pr = comment.pr;
    json!({
        "id": id,
        "node_id": format!("IC_kwDOABCD{id}"),
        "url": format!("{base}/repos/{GH_OWNER}/{GH_REPO}/issues/comments/{id}"),
        "html_url": format!("https://github.com/{GH_OWNER}/{GH_REPO}/pull/{pr}#issuecomment-{id}"),
        "issue_url": format!("{base}/repos/{GH_OWNER}/{GH_REPO}/issues/{pr}"),
        "body": comment.body,
        "user": { "login": comment.login, "id": 41_898_282, "type": "Bot" },
        "created_at": "2024-05-01T12:00:00Z",
        "updated_at": "2024-05-01T12:00:00Z",
        "author_association": "NONE",
    })
}

// ---------------------------------------------------------------------------------------------
// Slack

/// The webhook's path; its last segments are the secret.
pub const SLACK_PATH: &str = "/services/T0TEST0001/B0TEST0001/xK9s3cr3tW3bh00kT0k3nQ";
pub const SLACK_TOKEN_SEGMENT: &str = "xK9s3cr3tW3bh00kT0k3nQ";
/// Slack's own limit on blocks in one message.
const SLACK_MAX_BLOCKS: usize = 50;

pub struct SlackState {
    messages: Vec<Value>,
    faults: Vec<Fault>,
    requests: usize,
}

/// A Slack incoming webhook: JSON POSTs with `text` and/or `blocks`, answers `ok` or an error code.
pub struct SlackEmulator {
    server: Server,
    state: Arc<Mutex<SlackState>>,
}

impl SlackEmulator {
    pub fn start() -> SlackEmulator {
        let state = Arc::new(Mutex::new(SlackState {
            messages: Vec::new(),
            faults: Vec::new(),
            requests: 0,
        }));
        let server = Server::start({
            let state = state.clone();
            move |request| slack(&mut lock(&state), request)
        });
        SlackEmulator { server, state }
    }

    pub fn webhook_url(&self) -> String {
        format!("{}{SLACK_PATH}", self.server.url())
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn messages(&self) -> Vec<Value> {
        lock(&self.state).messages.clone()
    }

    pub fn requests(&self) -> usize {
        lock(&self.state).requests
    }

    pub fn push_fault(&self, fault: Fault) {
        lock(&self.state).faults.push(fault);
    }
}

fn slack(state: &mut SlackState, request: &Request) -> Response {
    state.requests += 1;
    if request.path != SLACK_PATH || !request.query.is_empty() {
        return Response::text(404, "no_service");
    }
    if request.method != "POST" {
        return Response::text(405, "invalid_method");
    }
    if let Some(fault) = take_fault(&mut state.faults, &request.method) {
        if fault.apply {
            let _ = check_slack_message(request).map(|m| state.messages.push(m));
        }
        return fault.response;
    }
    match check_slack_message(request) {
        Ok(message) => {
            state.messages.push(message);
            Response::text(200, "ok").with_header("Content-Type", "text/html")
        }
        Err(code) => Response::text(400, code),
    }
}

/// Slack's checks of a webhook message, with its error codes.
fn check_slack_message(request: &Request) -> Result<Value, &'static str> {
    let json_type = request
        .header("content-type")
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|t| t.trim() == "application/json");
    if !json_type {
        return Err("invalid_payload");
    }
    let message: Value = serde_json::from_slice(&request.body).map_err(|_| "invalid_payload")?;
    let object = message.as_object().ok_or("invalid_payload")?;
    let text = match object.get("text") {
        None => None,
        Some(Value::String(text)) => Some(text.as_str()),
        Some(_) => return Err("invalid_payload"),
    };
    let blocks = match object.get("blocks") {
        None => None,
        Some(Value::Array(blocks)) => Some(blocks),
        Some(_) => return Err("invalid_payload"),
    };
    if let Some(blocks) = blocks {
        let valid = |block: &Value| {
            block
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| !t.is_empty())
        };
        if blocks.len() > SLACK_MAX_BLOCKS || !blocks.iter().all(valid) {
            return Err("invalid_blocks");
        }
    }
    let has_text = text.is_some_and(|t| !t.trim().is_empty());
    let has_blocks = blocks.is_some_and(|b| !b.is_empty());
    if !has_text && !has_blocks {
        return Err("no_text");
    }
    Ok(message)
}

// ---------------------------------------------------------------------------------------------
// Discord

/// The webhook's id and token: `/api/webhooks/{id}/{token}`; the token is the secret.
pub const DISCORD_ID: &str = "1187654321098765432";
pub const DISCORD_TOKEN: &str = "dW3bh00kT0kenThatMustNeverBePrinted-Zq7_Xy";
/// The channel the webhook posts in.
pub const DISCORD_CHANNEL: &str = "1122334455667788990";
const DISCORD_CONTENT_CHARS: usize = 2000;
const DISCORD_MAX_EMBEDS: usize = 10;
const DISCORD_EMBED_TOTAL: usize = 6000;
const DISCORD_MAX_FIELDS: usize = 25;
const DISCORD_MAX_COLOR: u64 = 0xFF_FFFF;

pub struct DiscordState {
    messages: Vec<Value>,
    faults: Vec<Fault>,
    targets: Vec<String>,
    next_id: u64,
}

/// A Discord incoming webhook (Execute Webhook, API v10, and the unversioned path): JSON POSTs
/// checked against Discord's form rules and limits; `wait=true` answers 200 with the stored
/// message, otherwise 204.
pub struct DiscordEmulator {
    server: Server,
    state: Arc<Mutex<DiscordState>>,
}

impl DiscordEmulator {
    pub fn start() -> DiscordEmulator {
        let state = Arc::new(Mutex::new(DiscordState {
            messages: Vec::new(),
            faults: Vec::new(),
            targets: Vec::new(),
            next_id: 1_200_000_000_000_000_000,
        }));
        let server = Server::start({
            let state = state.clone();
            move |request| discord(&mut lock(&state), request)
        });
        DiscordEmulator { server, state }
    }

    /// The URL as Discord shows it: unversioned.
    pub fn webhook_url(&self) -> String {
        format!(
            "{}/api/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}",
            self.server.url()
        )
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The bodies of the messages stored.
    pub fn messages(&self) -> Vec<Value> {
        lock(&self.state).messages.clone()
    }

    /// Path and query of every request received, in order.
    pub fn targets(&self) -> Vec<String> {
        lock(&self.state).targets.clone()
    }

    pub fn requests(&self) -> usize {
        lock(&self.state).targets.len()
    }

    /// The next `times` posts are answered 429, as Discord asks to wait `retry_after` seconds.
    pub fn rate_limit(&self, times: usize, retry_after: f64) {
        self.push_fault(Fault::new("POST", times, discord_rate_limited(retry_after)));
    }

    pub fn push_fault(&self, fault: Fault) {
        lock(&self.state).faults.push(fault);
    }
}

/// Discord's JSON error: `{"message", "code"}`.
fn discord_error(status: u16, code: u64, message: &str) -> Response {
    Response::json(status, &json!({"message": message, "code": code}))
}

/// Discord's 429 for a webhook's own bucket: the body, and the headers that say the same.
pub fn discord_rate_limited(retry_after: f64) -> Response {
    Response::json(
        429,
        &json!({
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": false,
        }),
    )
    .with_header("Retry-After", &(retry_after.ceil() as u64).to_string())
    .with_header("X-RateLimit-Limit", "5")
    .with_header("X-RateLimit-Remaining", "0")
    .with_header("X-RateLimit-Reset-After", &format!("{retry_after:.3}"))
    .with_header("X-RateLimit-Bucket", "9b7d8f1a2c3e4d5f")
    .with_header("X-RateLimit-Scope", "user")
}

fn discord(state: &mut DiscordState, request: &Request) -> Response {
    state.targets.push(request.target.clone());
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let (id, token) = match segments.as_slice() {
        ["api", "v10" | "v9", "webhooks", id, token] | ["api", "webhooks", id, token] => {
            (*id, *token)
        }
        _ => return discord_error(404, 0, "404: Not Found"),
    };
    if id != DISCORD_ID {
        return discord_error(404, 10015, "Unknown Webhook");
    }
    if token != DISCORD_TOKEN {
        return discord_error(401, 50027, "Invalid Webhook Token");
    }
    if request.method != "POST" {
        return discord_error(405, 0, "405: Method Not Allowed");
    }
    if let Some(fault) = take_fault(&mut state.faults, &request.method) {
        if fault.apply {
            let _ = execute(state, request);
        }
        return fault.response;
    }
    execute(state, request).unwrap_or_else(|response| response)
}

/// Execute Webhook: the query, the body's type and JSON, then Discord's form rules.
fn execute(state: &mut DiscordState, request: &Request) -> Result<Response, Response> {
    let mut wait = false;
    for (key, value) in &request.query {
        match (key.as_str(), value.as_str()) {
            ("wait", "true" | "True" | "1") => wait = true,
            ("wait", "false" | "False" | "0") => wait = false,
            ("thread_id", id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => {
                return Err(discord_form_error(&[(
                    key.clone(),
                    "emulator: unexpected query parameter or value".to_string(),
                )]));
            }
        }
    }
    let json_type = request
        .header("content-type")
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|t| t.trim() == "application/json");
    if !json_type {
        return Err(discord_error(
            400,
            50035,
            "emulator: Content-Type must be application/json",
        ));
    }
    let Ok(message) = serde_json::from_slice::<Value>(&request.body) else {
        return Err(discord_error(
            400,
            50109,
            "The request body contains invalid JSON.",
        ));
    };
    if let Err(body) = check_discord_message(&message) {
        return Err(Response::json(400, &body));
    }
    let id = state.next_id.to_string();
    state.next_id += 1;
    let stored = json!({
        "id": id,
        "type": 0,
        "content": message.get("content").cloned().unwrap_or(json!("")),
        "channel_id": DISCORD_CHANNEL,
        "author": {
            "bot": true,
            "id": DISCORD_ID,
            "username": message.get("username").cloned().unwrap_or(json!("Captain Hook")),
            "avatar": null,
            "discriminator": "0000",
        },
        "attachments": [],
        "embeds": message.get("embeds").cloned().unwrap_or(json!([])),
        "mentions": [],
        "mention_roles": [],
        "pinned": false,
        "mention_everyone": false,
        "tts": false,
        "timestamp": "2024-05-01T12:00:00.000000+00:00",
        "edited_timestamp": null,
        "flags": 0,
        "components": [],
        "webhook_id": DISCORD_ID,
    });
    state.messages.push(message);
    let response = if wait {
        Response::json(200, &stored)
    } else {
        Response {
            headers: Vec::new(),
            ..Response::text(204, "")
        }
    };
    Ok(response
        .with_header("X-RateLimit-Limit", "5")
        .with_header("X-RateLimit-Remaining", "4")
        .with_header("X-RateLimit-Reset-After", "2.000")
        .with_header("X-RateLimit-Bucket", "9b7d8f1a2c3e4d5f"))
}

/// Discord's checks of an execute-webhook body (the keys flaky may send, every length and count
/// limit of content and embeds, the mention rules): `Err` with the body of the 400 Discord would
/// answer, `{"code": 50035, "message": "Invalid Form Body", "errors": {...}}`, or 50006 for an
/// empty message.
pub fn check_discord_message(message: &Value) -> Result<(), Value> {
    let Some(object) = message.as_object() else {
        return Err(form_error_body(&[(
            String::new(),
            "Only dictionaries may be used in a DictType".to_string(),
        )]));
    };
    let mut errors: Vec<(String, String)> = Vec::new();
    const KEYS: [&str; 7] = [
        "content",
        "username",
        "avatar_url",
        "tts",
        "embeds",
        "allowed_mentions",
        "flags",
    ];
    for key in object.keys().filter(|k| !KEYS.contains(&k.as_str())) {
        errors.push((
            key.clone(),
            "emulator: a key flaky does not send".to_string(),
        ));
    }
    let content = check_text(
        &mut errors,
        "content",
        object.get("content"),
        DISCORD_CONTENT_CHARS,
    );
    if let Some(name) = check_text(&mut errors, "username", object.get("username"), 80) {
        let lower = name.to_lowercase();
        if name.trim().is_empty() {
            errors.push((
                "username".into(),
                "Must be between 1 and 80 in length.".into(),
            ));
        }
        for word in ["discord", "clyde"] {
            if lower.contains(word) {
                errors.push((
                    "username".into(),
                    format!("Username cannot contain \"{word}\""),
                ));
            }
        }
    }
    let mut embed_chars = 0;
    let embeds = match object.get("embeds") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(embeds)) => embeds.as_slice(),
        Some(_) => {
            errors.push(("embeds".into(), "Must be an array.".into()));
            &[][..]
        }
    };
    if embeds.len() > DISCORD_MAX_EMBEDS {
        errors.push((
            "embeds".into(),
            format!("Must be {DISCORD_MAX_EMBEDS} or fewer in length."),
        ));
    }
    for (i, embed) in embeds.iter().enumerate() {
        embed_chars += check_embed(&mut errors, &format!("embeds.{i}"), embed);
    }
    if embed_chars > DISCORD_EMBED_TOTAL {
        errors.push((
            "embeds".into(),
            format!("Embed size exceeds maximum size of {DISCORD_EMBED_TOTAL}"),
        ));
    }
    match object.get("allowed_mentions") {
        None => {}
        Some(Value::Object(mentions)) => {
            let parse = mentions.get("parse").map(|p| p.as_array());
            match parse {
                None => {}
                Some(Some(kinds))
                    if kinds
                        .iter()
                        .all(|k| matches!(k.as_str(), Some("users" | "roles" | "everyone"))) => {}
                Some(_) => errors.push((
                    "allowed_mentions.parse".into(),
                    "Value must be one of {'users', 'roles', 'everyone'}.".into(),
                )),
            }
        }
        Some(_) => errors.push((
            "allowed_mentions".into(),
            "Only dictionaries may be used in a DictType".into(),
        )),
    }
    if !errors.is_empty() {
        return Err(form_error_body(&errors));
    }
    if content.is_none_or(|c| c.trim().is_empty()) && embeds.is_empty() {
        return Err(json!({"message": "Cannot send an empty message", "code": 50006}));
    }
    Ok(())
}

/// A string of at most `max` characters, when the key is there; its text.
fn check_text<'v>(
    errors: &mut Vec<(String, String)>,
    path: &str,
    value: Option<&'v Value>,
    max: usize,
) -> Option<&'v str> {
    match value {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => {
            if text.chars().count() > max {
                errors.push((path.into(), format!("Must be {max} or fewer in length.")));
            }
            Some(text)
        }
        Some(other) => {
            errors.push((
                path.into(),
                format!("Could not interpret \"{other}\" as string."),
            ));
            None
        }
    }
}

/// A required string of 1 to `max` characters; its length.
fn check_required(
    errors: &mut Vec<(String, String)>,
    path: &str,
    value: Option<&Value>,
    max: usize,
) -> usize {
    match value.and_then(Value::as_str) {
        None => {
            errors.push((path.into(), "This field is required".into()));
            0
        }
        Some(text) => {
            let n = text.chars().count();
            if n == 0 || n > max {
                errors.push((
                    path.into(),
                    format!("Must be between 1 and {max} in length."),
                ));
            }
            n
        }
    }
}

/// One embed's limits; the characters it counts towards the message's total.
fn check_embed(errors: &mut Vec<(String, String)>, at: &str, embed: &Value) -> usize {
    let Some(embed) = embed.as_object() else {
        errors.push((
            at.into(),
            "Only dictionaries may be used in a DictType".into(),
        ));
        return 0;
    };
    let mut chars = 0;
    let mut text = |errors: &mut Vec<(String, String)>, key: &str, value: Option<&Value>, max| {
        chars +=
            check_text(errors, &format!("{at}.{key}"), value, max).map_or(0, |t| t.chars().count());
    };
    text(errors, "title", embed.get("title"), 256);
    text(errors, "description", embed.get("description"), 4096);
    text(errors, "url", embed.get("url"), 2048);
    match embed.get("footer") {
        None => {}
        Some(footer) => text(errors, "footer.text", footer.get("text"), 2048),
    }
    match embed.get("author") {
        None => {}
        Some(author) => text(errors, "author.name", author.get("name"), 256),
    }
    if let Some(color) = embed.get("color")
        && color.as_u64().is_none_or(|c| c > DISCORD_MAX_COLOR)
    {
        errors.push((
            format!("{at}.color"),
            format!("int value should be less than or equal to {DISCORD_MAX_COLOR}."),
        ));
    }
    if let Some(timestamp) = embed.get("timestamp")
        && timestamp
            .as_str()
            .is_none_or(|t| humantime::parse_rfc3339_weak(t).is_err())
    {
        errors.push((
            format!("{at}.timestamp"),
            "Could not parse timestamp. Should be ISO8601.".into(),
        ));
    }
    let fields = match embed.get("fields") {
        None => &[][..],
        Some(Value::Array(fields)) => fields.as_slice(),
        Some(_) => {
            errors.push((format!("{at}.fields"), "Must be an array.".into()));
            &[][..]
        }
    };
    if fields.len() > DISCORD_MAX_FIELDS {
        errors.push((
            format!("{at}.fields"),
            format!("Must be {DISCORD_MAX_FIELDS} or fewer in length."),
        ));
    }
    for (i, field) in fields.iter().enumerate() {
        let path = format!("{at}.fields.{i}");
        chars += check_required(errors, &format!("{path}.name"), field.get("name"), 256);
        chars += check_required(errors, &format!("{path}.value"), field.get("value"), 1024);
        if field.get("inline").is_some_and(|v| !v.is_boolean()) {
            errors.push((format!("{path}.inline"), "Must be a boolean.".into()));
        }
    }
    chars
}

/// Discord's 400 for breaches of its form rules.
fn discord_form_error(errors: &[(String, String)]) -> Response {
    Response::json(400, &form_error_body(errors))
}

/// `{"code": 50035, "message": "Invalid Form Body", "errors": {...}}`: each breach at its path
/// (`embeds.0.title`) in a tree of the request's keys, under `_errors`.
fn form_error_body(errors: &[(String, String)]) -> Value {
    let mut tree = json!({});
    for (path, message) in errors {
        let mut node = &mut tree;
        for key in path.split('.').filter(|k| !k.is_empty()) {
            node = node
                .as_object_mut()
                .expect("form error nodes are objects")
                .entry(key)
                .or_insert_with(|| json!({}));
        }
        let leaf = node
            .as_object_mut()
            .expect("form error nodes are objects")
            .entry("_errors")
            .or_insert_with(|| json!([]));
        if let Some(list) = leaf.as_array_mut() {
            list.push(json!({"code": discord_code(message), "message": message}));
        }
    }
    json!({"code": 50035, "message": "Invalid Form Body", "errors": tree})
}

/// The machine code Discord gives a form error, from its message.
fn discord_code(message: &str) -> &'static str {
    if message.starts_with("Must be between") {
        "BASE_TYPE_BAD_LENGTH"
    } else if message.contains("or fewer in length") {
        "BASE_TYPE_MAX_LENGTH"
    } else if message.starts_with("This field is required") {
        "BASE_TYPE_REQUIRED"
    } else if message.starts_with("Embed size exceeds") {
        "MAX_EMBED_SIZE_EXCEEDED"
    } else {
        "BASE_TYPE_INVALID"
    }
}
