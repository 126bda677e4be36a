//! What test code does, in words every language shares. A language module finds these in its
//! syntax tree (which call sleeps, whether its duration is a constant, whether it sits in a
//! loop); the rules in `rules/` judge them (whether that is a smell, how bad, what to say). A
//! fact's `call` or `code` is the code as written, cut to a line for messages.

use super::syntax::UnitKind;

/// Where a piece of code runs, as a rule weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In a test's body.
    Test,
    /// In a fixture, setup or teardown hook that runs around each test.
    Hook,
    /// In code that runs once for all tests: a module or class body, a `describe` body, a hook
    /// that runs once (`setUpClass`, a module-scoped fixture, `beforeAll`, `TestMain`, `init`).
    Shared,
    /// In a function a test reaches through calls (the code under test, a helper).
    Helper,
    /// In a function value written inside a test (a mock's body, a handler, a thread's body):
    /// it runs when other code calls it.
    Callback,
}

impl Place {
    /// The place of code directly in a unit of this kind.
    pub const fn of(kind: UnitKind) -> Self {
        match kind {
            UnitKind::Test => Self::Test,
            UnitKind::Hook => Self::Hook,
            UnitKind::Helper => Self::Helper,
        }
    }
}

/// How much of something a call asks for, as far as the code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// Zero: `sleep(0)`, `time.Sleep(0)`, `Duration::ZERO`.
    Zero,
    /// A constant other than zero: literals, constants and their arithmetic.
    Constant,
    /// Computed when the code runs.
    Variable,
}

impl Amount {
    /// A duration's amount: variable unless `constant`; zero when every number in its text is 0
    /// (`0`, `0 * time.Second`, `Duration::from_millis(0)`) or it is `ZERO`.
    pub fn of_duration(constant: bool, text: &str) -> Self {
        if !constant {
            return Self::Variable;
        }
        if text.trim_end().ends_with("ZERO") {
            return Self::Zero;
        }
        let mut numbers = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .filter(|t| t.starts_with(|c: char| c.is_ascii_digit()))
            .filter_map(|t| {
                // `0x10`, `0b1`: nonzero if a digit after the prefix is.
                let prefix = t.get(..2).map(str::to_ascii_lowercase);
                if matches!(prefix.as_deref(), Some("0x" | "0o" | "0b")) {
                    let digit = |c: &char| c.is_ascii_hexdigit() || *c == '_';
                    let nonzero = t[2..].chars().take_while(digit).any(|c| !"0_".contains(c));
                    return Some(if nonzero { 1.0 } else { 0.0 });
                }
                // `0u64`, `1_000`: the number, without its suffix.
                let end = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'));
                let digits = &t[..end.unwrap_or(t.len())];
                digits.replace('_', "").parse::<f64>().ok()
            })
            .peekable();
        let zero = numbers.peek().is_some() && numbers.all(|n| n == 0.0);
        if zero { Self::Zero } else { Self::Constant }
    }
}

/// A call that waits: `time.sleep(0.5)`, `await sleep(300)`, `time.Sleep(d)`, `thread::sleep(..)`.
#[derive(Debug, Clone)]
pub struct Sleep {
    pub call: String,
    pub duration: Amount,
    /// Inside a loop (as a polling loop waits between checks).
    pub in_loop: bool,
    pub place: Place,
    /// The sleep is patched, or fake timers are in effect: it does not wait.
    pub faked: bool,
}

/// A measured duration (`time() - start`, `time.Since(t)`, `x.elapsed()`) compared with a bound.
#[derive(Debug, Clone)]
pub struct ElapsedBound {
    pub code: String,
    /// An upper bound: it must be short (`elapsed < 0.5`, `toBeLessThan(100)`), which a loaded
    /// machine breaks; a lower bound (`elapsed >= delay`) a loaded machine only makes longer.
    pub upper: bool,
    /// Inside a loop (as a polling loop checks its deadline).
    pub in_loop: bool,
    /// In test code (else it is the code under test keeping its own deadline).
    pub test_code: bool,
}

/// Where a seed comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedSource {
    /// A constant: the same values every run.
    Constant,
    /// Something that differs every run and is not recorded ("the clock", "the OS entropy").
    Unreproducible(&'static str),
}

/// A generator seeded (`random.seed(42)`, `rand.NewSource(time.Now().UnixNano())`), or made with
/// a seed. Seeds from the run's seed variables or from values the code cannot read are not Seeds.
#[derive(Debug, Clone)]
pub struct Seed {
    pub call: String,
    pub source: SeedSource,
    pub place: Place,
}

/// A server or socket made to listen on this machine at a port the code names:
/// `server.listen(3000)`, `net.Listen("tcp", ":8080")`, `TcpListener::bind("127.0.0.1:8080")`,
/// `sock.bind(("localhost", 8600))`. Port 0 (the system picks a free one) is a port too.
#[derive(Debug, Clone)]
pub struct Listen {
    pub call: String,
    pub port: u16,
    /// Closed again in the same function once its port is read: a port picked this way is
    /// free only until the close (`bind(("", 0))`, `getsockname()`, `close()`).
    pub released: bool,
    /// In test code (else it is the code under test's own default).
    pub test_code: bool,
}

/// A process started from a program the code names: `subprocess.run(["git", ...])`,
/// `exec.Command("git", ...)`, `Command::new("git")`.
#[derive(Debug, Clone)]
pub struct Process {
    pub call: String,
    /// Waited for to its end with no time limit (`subprocess.run` with no `timeout`, a command
    /// that is never `spawn`ed or `Start`ed): it is slow at worst, rarely a race.
    pub to_end: bool,
}

/// State the whole process shares, which a test can change for the tests after it (and, where
/// tests run on threads, beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcessState {
    Env,
    /// The working directory.
    Cwd,
    /// A property of the global object (JavaScript).
    Global,
}

/// Whether a change of process state is undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restore {
    /// Nothing undoes it: no cleanup, hook or `finally` puts it back.
    Never,
    /// Put back later in the same function: tests on other threads read it meanwhile.
    Late,
    /// The language cannot see cleanup (Rust has no hooks the scan follows).
    Unseen,
}

/// A change of process state: `os.environ["K"] = v`, `process.chdir(d)`, `os.Setenv(k, v)`,
/// `env::set_var(k, v)`, `globalThis.fetch = f`.
#[derive(Debug, Clone)]
pub struct ProcessChange {
    pub code: String,
    pub state: ProcessState,
    pub restore: Restore,
}

/// Where a network call goes, as far as the code says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// Another host, which the code names.
    Remote(String),
    /// A host the scan cannot read (an address built at run time).
    Unknown,
}

/// A call over the network to somewhere other than this machine, with no mock or local test
/// server in scope: `requests.get(url)`, `http.Get(url)`, `reqwest::get(url)`.
#[derive(Debug, Clone)]
pub struct Request {
    pub call: String,
    pub peer: Peer,
}

/// A file or directory written, created or removed at a path every run shares, outside any
/// temporary directory: `open("out.txt", "w")`, `os.WriteFile("out/x", ..)`, `fs::write("x", ..)`.
#[derive(Debug, Clone)]
pub struct PathWrite {
    pub call: String,
    /// The path, where the code spells it out.
    pub path: Option<String>,
    /// Relative to the working directory, where the language tells (JavaScript): less sure,
    /// as the test may have moved to a temporary directory.
    pub relative: bool,
}

/// A read of the wall clock (`time.time()`, `time.Now()`, `SystemTime::now()`) or of the
/// machine's time zone (`datetime.fromtimestamp(t)`, `time.Local`, `Local::now()`, `$TZ`).
/// Reads that only measure a duration or seed a generator are not facts of this kind.
#[derive(Debug, Clone)]
pub struct ClockRead {
    pub code: String,
    /// It reads the time zone (else only the time).
    pub zone: bool,
    /// Its value is only passed on, formatted or stored, and decides nothing in the test.
    pub only_input: bool,
}

/// What a call that no seed controls makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unseeded {
    /// A value drawn from a generator: `random.randint(1, 6)`, `rand.Intn(6)`, `rand::random()`.
    Draw,
    /// A generator, seeded from the OS entropy: `random.Random()`.
    Generator,
    /// A fake-data generator (`Faker()`), seeded from the OS entropy.
    FakeData,
}

/// A random value or generator no seed controls: every run differs, a failure cannot be replayed.
#[derive(Debug, Clone)]
pub struct Random {
    pub call: String,
    pub makes: Unseeded,
}

/// How a function touches state that every test of the process shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// A change that outlives the test, of state other functions use: the polluter of an
    /// order dependence.
    Write,
    /// A read of state that `writer` changes: the victim.
    Read { writer: String },
    /// State set up once for all tests that `writer` changes: a shared fixture.
    Setup { writer: String },
}

/// A module-level or package-level variable, or a static, touched by a function where another
/// function touches it too.
#[derive(Debug, Clone)]
pub struct SharedState {
    /// The function (or the code) that touches it.
    pub owner: String,
    /// The state as the language names it: "module-level `CACHE`", "static `STATE`".
    pub state: String,
    pub access: Access,
}

/// A thread, goroutine or task started and never joined or waited for: `Thread(...).start()` with
/// no `join`, `go f()` with nothing to wait on, `thread::spawn(..)` whose handle is dropped.
#[derive(Debug, Clone)]
pub struct Unjoined {
    pub call: String,
}

/// The run's seed or attempt number (`TEST_SEED`, `GO_TEST_SEED`, `ATTEMPT`...) used for more
/// than seeding a generator: the outcome changes with the seed flaky sets on each attempt.
#[derive(Debug, Clone)]
pub struct SeedUse {
    /// The variable read.
    pub variable: String,
    /// Where it is used.
    pub code: String,
    /// It decides a condition, an assertion or an index itself (else it feeds a computation
    /// whose result is used): high confidence.
    pub decides: bool,
}

/// A fact of test code.
#[derive(Debug, Clone)]
pub enum Fact {
    Sleep(Sleep),
    ElapsedBound(ElapsedBound),
    Seed(Seed),
    Listen(Listen),
    Process(Process),
    ProcessChange(ProcessChange),
    Request(Request),
    PathWrite(PathWrite),
    ClockRead(ClockRead),
    Random(Random),
    SharedState(SharedState),
    Unjoined(Unjoined),
    SeedUse(SeedUse),
}

#[cfg(test)]
mod tests {
    use super::Amount::{self, Constant, Zero};

    #[test]
    fn zero_durations() {
        for (text, amount) in [
            ("0", Zero),
            ("0 * time.Second", Zero),
            ("Duration::from_millis(0)", Zero),
            ("Duration::ZERO", Zero),
            ("time.Duration(0)", Zero),
            ("0u64", Zero),
            ("0.0", Zero),
            ("0x0", Zero),
            ("0x10", Constant),
            ("0b1u8", Constant),
            ("0x_1", Constant),
            ("0B1", Constant),
            ("500 * time.Millisecond", Constant),
            ("Duration::from_secs(1)", Constant),
            ("DELAY", Constant),
            ("10_000", Constant),
            ("0.5", Constant),
            ("time.Second", Constant),
        ] {
            assert_eq!(Amount::of_duration(true, text), amount, "{text}");
        }
        assert_eq!(Amount::of_duration(false, "0"), Amount::Variable);
    }
}
